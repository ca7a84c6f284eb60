"""The reference faithfulness sweep (feature-circuits ablation.py, HEAD semantics) in PyTorch, timed.

Runs the procedure of algorithm.md §7 the way the reference does it, densely: for every threshold of
logspace(-4, 0, 15), run_with_ablations for F(C) and for F(M\\C), plus F(M) and F(∅) once; each call makes a
patch pass (encode every site, mean over the batch) and a clean pass that re-encodes every site, replaces the
features and error vectors outside the mask, and writes back decode(f) + res.  The circuit is read from a
circuit.safetensors (`nodes.{site}` [S, F+1]); `sfc bench evaluate --write-circuit` writes the one it times, so
both implementations score the same circuit and their F values can be compared.

Needs Debian's PyTorch and the fixture tools beside the repository (../shared/tools):
    /usr/bin/python3 tools/bench_reference_evaluation.py /tmp/paper_gpt_neox /tmp/paper_gpt_neox/dictionaries \
        /tmp/paper_gpt_neox/data.jsonl /tmp/bench/circuit.safetensors [--threads 2] [--examples 10]
"""
import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "tools"))
from hfmodel import LM, site_names  # noqa: E402
from sae import load_dict_set  # noqa: E402
from st_io import load_file  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("dictionaries")
    ap.add_argument("data")
    ap.add_argument("circuit")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--examples", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    lm = LM.load(args.model)
    sites = site_names(lm.cfg.n_layers)
    saes = load_dict_set(args.dictionaries, sites)
    sites = [s for s in sites if s in saes]
    nodes, _ = load_file(args.circuit)
    nodes = {s: nodes[f"nodes.{s}"] for s in sites}
    rows = [json.loads(line) for line in open(args.data) if line.strip()][: args.examples]
    clean = torch.tensor([r["clean_ids"] for r in rows])
    patch = torch.tensor([r["patch_ids"] for r in rows])
    ca = torch.tensor([r["clean_answer_id"] for r in rows])
    pa = torch.tensor([r["patch_answer_id"] for r in rows])
    batch = torch.arange(len(rows))

    def metric(logits):  # evaluation sign: L[clean] - L[patch]
        return logits[batch, ca] - logits[batch, pa]

    def run_with_ablations(keep, complement):
        means = {}

        def record(s):
            def hook(x):
                f = saes[s].encode(x)
                res = x - saes[s].decode(f)
                means[s] = (f.mean(0, keepdim=True).expand_as(f), res.mean(0, keepdim=True).expand_as(res))
                return x
            return hook

        lm.forward(patch, {s: record(s) for s in sites})

        def ablate(s):
            def hook(x):
                sae = saes[s]
                f = sae.encode(x)
                res = x - sae.decode(sae.encode(x))  # dictionary(x), as the reference
                m = keep[s] if not complement else ~keep[s]
                F = f.shape[-1]
                keep_f = m[:, :F].unsqueeze(0).expand_as(f)
                keep_e = m[:, F:].unsqueeze(0).expand_as(res)
                f = torch.where(keep_f, f, means[s][0])
                res = torch.where(keep_e, res, means[s][1])
                return sae.decode(f) + res
            return hook

        return metric(lm.forward(clean, {s: ablate(s) for s in sites})).mean().item()

    thresholds = torch.logspace(-4, 0, 15).tolist()
    with torch.no_grad():
        start = time.perf_counter()
        f_m = metric(lm.forward(clean)).mean().item()
        f_empty = run_with_ablations({s: torch.zeros_like(nodes[s], dtype=torch.bool) for s in sites}, False)
        out = []
        for t in thresholds:
            keep = {s: nodes[s].abs() > t for s in sites}
            n = sum(int(k.sum()) for k in keep.values())
            out.append({"threshold": t, "nodes": n, "F_C": run_with_ablations(keep, False), "F_M_minus_C": run_with_ablations(keep, True)})
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": round(seconds, 3), "spliced_forwards": 1 + 2 * len(thresholds), "threads": args.threads,
                      "F_M": f_m, "F_empty": f_empty, "rows": out}))


if __name__ == "__main__":
    main()
