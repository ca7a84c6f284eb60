#!/usr/bin/python3
"""Reference values for the attention, rotary and indexing ops, computed once with PyTorch 1.13.

Writes tests/SparseCircuits.Tests/TestData/ops/attn_{causal,rotary,indexing}.json. Every case stores its
(deterministic, seeded) inputs next to the outputs, so the C# tests read exactly the float32 values PyTorch used.
Gradients are of L = sum(output * r) for the stored r, from torch.autograd.

Run from the repository root:  /usr/bin/python3 tools/make_op_references_attn.py
"""
import json
import math
import os

import torch

OUT = os.path.join("tests", "SparseCircuits.Tests", "TestData", "ops")


def tensor(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float("%.9g" % x) for x in t.reshape(-1).tolist()]}


def randn(gen, *shape):
    return torch.randn(*shape, generator=gen, dtype=torch.float32)


def vjp(outputs, inputs, gen):
    """Gradients of sum(output * r) for a random r per output; returns (rs, grads)."""
    rs = [randn(gen, *o.shape) for o in outputs]
    total = sum((o * r).sum() for o, r in zip(outputs, rs))
    grads = torch.autograd.grad(total, inputs, allow_unused=True)
    return rs, [g if g is not None else torch.zeros_like(x) for g, x in zip(grads, inputs)]


# ---------------------------------------------------------------- attention

def causal_attention(q, k, v, scale):
    """q [B,S,H,D], k/v [B,S,Hkv,D] -> pattern [B,H,S,S], z [B,S,H,D]; GQA by repeat_interleave of kv heads."""
    B, S, H, D = q.shape
    rep = H // k.shape[2]
    qh = q.transpose(1, 2)                                    # [B,H,S,D]
    kh = k.transpose(1, 2).repeat_interleave(rep, dim=1)      # [B,H,S,D]
    vh = v.transpose(1, 2).repeat_interleave(rep, dim=1)
    scores = (qh @ kh.transpose(-1, -2)) * scale
    mask = torch.ones(S, S, dtype=torch.bool).tril()
    scores = scores.masked_fill(~mask, float("-inf"))
    pattern = torch.softmax(scores, dim=-1)
    z = (pattern @ vh).transpose(1, 2)                        # [B,S,H,D]
    return pattern, z


def attention_case(gen, B, S, H, Hkv, D, scale):
    q, k, v = (randn(gen, B, S, h, D).requires_grad_() for h in (H, Hkv, Hkv))
    pattern, z = causal_attention(q, k, v, scale)
    (rz,), (gq, gk, gv) = vjp([z], [q, k, v], gen)
    return {"B": B, "S": S, "H": H, "Hkv": Hkv, "D": D, "scale": scale,
            "q": tensor(q), "k": tensor(k), "v": tensor(v), "pattern": tensor(pattern), "z": tensor(z),
            "r": tensor(rz), "grad_q": tensor(gq), "grad_k": tensor(gk), "grad_v": tensor(gv)}


def attention_cases():
    gen = torch.Generator().manual_seed(20240501)
    return {
        "gqa": attention_case(gen, 2, 5, 4, 2, 6, float(torch.tensor(6 ** -0.5, dtype=torch.float32))),
        "mha": attention_case(gen, 2, 4, 3, 3, 4, 0.5),
        # 16- and 8-wide register tiles along both S and D (25 = 16 + 8 + 1, 24 = 16 + 8), a one-row last row block
        "long": attention_case(gen, 1, 25, 2, 1, 24, 0.25),
    }


# ---------------------------------------------------------------- rotary

def inv_freq(rotary_dim, base):
    # Hugging Face GPT-NeoX / Llama: computed in float32
    return 1.0 / (base ** (torch.arange(0, rotary_dim, 2, dtype=torch.int64).float() / rotary_dim))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rotate_every_two(x):
    # GPT-J / llama2.c pairs (2i, 2i+1)
    x1, x2 = x[..., ::2], x[..., 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def rotary(x, rotary_dim, base, style, offset):
    """x [B,S,H,D]; rotates the first rotary_dim dims of every head at positions offset..offset+S-1."""
    S = x.shape[1]
    t = torch.arange(offset, offset + S, dtype=torch.int64).float()
    freqs = torch.outer(t, inv_freq(rotary_dim, base))        # [S, rd/2], float32 like HF
    if style == "RotateHalf":
        emb = torch.cat((freqs, freqs), dim=-1)
        rot = rotate_half
    else:
        emb = freqs.repeat_interleave(2, dim=-1)
        rot = rotate_every_two
    cos, sin = emb.cos()[None, :, None, :], emb.sin()[None, :, None, :]
    xr, xp = x[..., :rotary_dim], x[..., rotary_dim:]
    return torch.cat((xr * cos + rot(xr) * sin, xp), dim=-1)


def rotary_case(gen, shape, rotary_dim, base, style, offset):
    x = randn(gen, *shape).requires_grad_()
    y = rotary(x, rotary_dim, base, style, offset)
    (r,), (gx,) = vjp([y], [x], gen)
    return {"rotary_dim": rotary_dim, "base": base, "style": style, "offset": offset,
            "x": tensor(x), "y": tensor(y), "r": tensor(r), "grad_x": tensor(gx)}


def rotary_cases():
    gen = torch.Generator().manual_seed(7)
    return {
        "neox_partial": rotary_case(gen, (2, 4, 4, 6), 4, 10000, "RotateHalf", 0),
        "gptj_partial": rotary_case(gen, (2, 4, 4, 6), 4, 10000, "AdjacentPairs", 0),
        "llama_full_offset": rotary_case(gen, (1, 3, 2, 8), 8, 10000.0, "RotateHalf", 5),
        "adjacent_full_offset": rotary_case(gen, (1, 3, 2, 8), 8, 10000.0, "AdjacentPairs", 5),
        # large positions and a large base: float32 rounding of position * inv_freq matters here
        "large_positions": rotary_case(gen, (1, 3, 1, 128), 128, 500000.0, "RotateHalf", 4000),
        "large_positions_adjacent": rotary_case(gen, (1, 2, 1, 64), 64, 10000.0, "AdjacentPairs", 2047),
    }


# ---------------------------------------------------------------- indexing

def indexing_cases():
    gen = torch.Generator().manual_seed(3)
    cases = {}

    table = randn(gen, 11, 5).requires_grad_()
    ids = torch.tensor([[3, 0, 10], [3, 7, 3]])
    emb = torch.nn.functional.embedding(ids, table)
    (r,), (gt,) = vjp([emb], [table], gen)
    cases["embedding"] = {"table": tensor(table), "ids": ids.reshape(-1).tolist(), "prefix": list(ids.shape),
                          "y": tensor(emb), "r": tensor(r), "grad_table": tensor(gt)}

    x = randn(gen, 6, 4).requires_grad_()
    rows = [5, 1, 5, 0]
    y = x[torch.tensor(rows)]
    (r,), (gx,) = vjp([y], [x], gen)
    cases["gather_rows"] = {"x": tensor(x), "rows": rows, "y": tensor(y), "r": tensor(r), "grad_x": tensor(gx)}

    dst = randn(gen, 6, 3).requires_grad_()
    src = randn(gen, 2, 3).requires_grad_()
    rows = [4, 1]
    y = dst.index_copy(0, torch.tensor(rows), src)
    (r,), (gd, gs) = vjp([y], [dst, src], gen)
    cases["scatter_rows"] = {"dst": tensor(dst), "src": tensor(src), "rows": rows, "y": tensor(y), "r": tensor(r),
                             "grad_dst": tensor(gd), "grad_src": tensor(gs)}

    x = randn(gen, 2, 3, 7).requires_grad_()
    cols = [6, 0, 6, 2]
    y = x.index_select(-1, torch.tensor(cols))
    (r,), (gx,) = vjp([y], [x], gen)
    cases["gather_columns"] = {"x": tensor(x), "cols": cols, "y": tensor(y), "r": tensor(r), "grad_x": tensor(gx)}
    return cases


def write(name, cases):
    path = os.path.join(OUT, name)
    with open(path, "w") as fh:
        json.dump({"generator": "tools/make_op_references_attn.py", "torch": torch.__version__, "cases": cases},
                  fh, separators=(",", ":"))
        fh.write("\n")
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    torch.set_num_threads(1)
    write("attn_causal.json", attention_cases())
    write("attn_rotary.json", rotary_cases())
    write("attn_indexing.json", indexing_cases())
