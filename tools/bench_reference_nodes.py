"""The reference IG node attribution (feature-circuits `_pe_ig`, HEAD semantics) in PyTorch, timed.

Dense, the way the reference runs it: record (f, res) at every site in a clean and a patch pass, then for each site one
batch of N interpolants f_k = (1 - a_k) f_c + a_k f_p, res likewise, a_k = k/N, spliced in as decode(f_k) + res_k
over a forward pass of the whole model (N copies of the batch), the logit difference at the last position summed,
one backward; IE = mean_k(grad) . (patch - clean). Effects are summed over positions and averaged over examples
(aggregation sum). Only the last position is unembedded, which is cheaper than the reference's all-position logits.

Prints one JSON object: seconds for loading the dictionaries and for the IG nodes, and the threads used. With
--compare CIRCUIT.safetensors (written by `sfc circuit --nodes-only --aggregation sum`), also the largest
difference of the node effects per site relative to that site's largest effect.

Needs Debian's PyTorch and the fixture tools beside the repository (../shared/tools):
    /usr/bin/python3 tools/bench_reference_nodes.py /tmp/paper_gpt_neox /tmp/paper_gpt_neox/dictionaries \
        /tmp/paper_gpt_neox/data.jsonl [--threads 2] [--examples 10] [--steps 10] [--compare circuit.safetensors]
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
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--examples", type=int, default=10)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--compare")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    lm = LM.load(args.model)
    sites = site_names(lm.cfg.n_layers)
    start = time.perf_counter()
    saes = load_dict_set(args.dictionaries, sites)
    load_seconds = time.perf_counter() - start
    sites = [s for s in sites if s in saes]

    rows = [json.loads(line) for line in open(args.data) if line.strip()][: args.examples]
    clean = torch.tensor([r["clean_ids"] for r in rows])
    patch = torch.tensor([r["patch_ids"] for r in rows])
    ca = torch.tensor([r["clean_answer_id"] for r in rows])
    pa = torch.tensor([r["patch_answer_id"] for r in rows])
    steps = args.steps

    def metric(logits, copies):  # discovery sign: L[patch] - L[clean], logits [R, V] at the last position
        idx = torch.arange(logits.shape[0])
        return logits[idx, pa.repeat(copies)] - logits[idx, ca.repeat(copies)]

    start = time.perf_counter()
    states = {}
    with torch.no_grad():
        for name, ids in (("clean", clean), ("patch", patch)):
            def record(s, name=name):
                def hook(x):
                    f = saes[s].encode(x)
                    states[(name, s)] = (f, x - saes[s].decode(f))
                    return x
                return hook
            lm.forward(ids, {s: record(s) for s in sites})

    effects = {}
    for s in sites:
        (fc, rc), (fp, rp) = states[("clean", s)], states[("patch", s)]
        alphas = torch.tensor([k / steps for k in range(steps)]).view(steps, 1, 1, 1)
        f = ((1 - alphas) * fc + alphas * fp).reshape(steps * fc.shape[0], *fc.shape[1:]).requires_grad_(True)
        res = ((1 - alphas) * rc + alphas * rp).reshape(steps * rc.shape[0], *rc.shape[1:]).requires_grad_(True)
        splice = {s: lambda x, s=s: saes[s].decode(f) + res}
        logits = lm.forward(clean.repeat(steps, 1), splice)  # last position only: kinder to the reference than HF's all-position logits
        metric(logits, steps).sum().backward()
        g_f = f.grad.view(steps, *fc.shape).mean(0)
        g_r = res.grad.view(steps, *rc.shape).mean(0)
        ie_f = (g_f * (fp - fc)).sum(1).mean(0)          # sum over positions, mean over examples
        ie_r = (g_r * (rp - rc)).sum(-1).sum(1).mean(0)
        effects[s] = torch.cat([ie_f, ie_r.view(1)]).detach()
    nodes_seconds = time.perf_counter() - start

    out = {"dictionaries_seconds": round(load_seconds, 3), "nodes_seconds": round(nodes_seconds, 3),
           "threads": args.threads, "examples": len(rows), "steps": steps}
    if args.compare:
        theirs, _ = load_file(args.compare)
        worst = {}
        for s in sites:
            ours = theirs[f"nodes.{s}"].reshape(-1).to(torch.float32)
            ref = effects[s]
            worst[s] = float((ours - ref).abs().max() / ref.abs().max().clamp_min(1e-12))
        out["max_difference_relative_to_site_max"] = worst
    print(json.dumps(out))


if __name__ == "__main__":
    main()
