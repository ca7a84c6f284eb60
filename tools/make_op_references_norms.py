#!/usr/bin/python3
"""Reference values for the norm, activation, softmax and loss ops, computed ONCE with PyTorch 1.13 and committed as
tests/SparseCircuits.Tests/TestData/ops/norms_*.json. The C# tests read the inputs from the same files, so both sides
see bit-identical float32 inputs.

Every file holds the float32 inputs, PyTorch's float32 outputs ("..._f32" or the plain name), and where float32 itself
is the limiting factor also a float64 evaluation of the same inputs ("..._f64"). Gradients are of L = sum(y * seed)
for the stored seed, computed in float64.

Run from the repository root: /usr/bin/python3 tools/make_op_references_norms.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join("tests", "SparseCircuits.Tests", "TestData", "ops")


def flat(t):
    """float32 values as their shortest round-trip decimal (parse them as float32); float64 ones to 10 significant
    digits, far below a float32 ulp."""
    values = t.detach().reshape(-1).tolist()
    if t.dtype == torch.float64:
        return [float(f"{v:.10g}") for v in values]
    if t.dtype == torch.float32:
        return [float(str(np.float32(v))) for v in values]
    return values


def save(name, payload):
    payload = {"generator": "tools/make_op_references_norms.py", "torch": torch.__version__, **payload}
    path = os.path.join(OUT, f"norms_{name}.json")
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def grads64(fn, inputs, seed):
    """Gradients of sum(fn(*inputs) * seed) in float64."""
    leaves = [t.double().clone().requires_grad_(True) for t in inputs]
    (fn(*leaves) * seed.double()).sum().backward()
    return [flat(l.grad) for l in leaves]


def erf_values():
    z = torch.cat([
        torch.linspace(-6, 6, 1201),
        torch.tensor([0.0, 1e-30, -1e-30, 1e-10, 1e-5, 0.74999, 0.75, 0.75001, 3.9, 4.0, 9.0, 11.9, 12.1, 30.0]),
        torch.randn(300, generator=torch.Generator().manual_seed(11)) * 2,
    ]).float()
    z64 = z.double()
    x = torch.cat([torch.linspace(-14, 9, 921), torch.tensor([-37.0, -20.0, 0.0, 1e-20, -1e-20])]).float()
    x64 = x.double()
    save("erf", {
        "z": flat(z),
        "erf_f64": flat(torch.special.erf(z64)),
        "erfc_f64": flat(torch.special.erfc(z64)),
        "x": flat(x),
        "normal_cdf_f64": flat(0.5 * torch.special.erfc(-x64 / math.sqrt(2.0))),
    })


def activation_values():
    g = torch.Generator().manual_seed(12)
    x = torch.cat([
        torch.linspace(-12, 12, 241),
        torch.randn(256, generator=g) * 3,
        torch.tensor([0.0, 1e-20, -1e-20, 1e-4, -1e-4, 30.0, -30.0]),
    ]).float()
    x64 = x.double()
    ones = torch.ones_like(x64)
    payload = {"x": flat(x), "relu": flat(F.relu(x))}
    fns = {
        "gelu": lambda t: F.gelu(t, approximate="none"),
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "silu": F.silu,
    }
    for name, fn in fns.items():
        payload[name] = flat(fn(x))
        payload[name + "_f64"] = flat(fn(x64))
        payload[name + "_grad_f64"] = grads64(fn, [x], ones)[0]
    # The two other Hugging Face spellings of the tanh form, written as in transformers.activations.
    payload["gelu_new"] = flat(0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0)))))
    payload["gelu_fast"] = flat(0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x))))
    save("activations", payload)


def layer_norm_values():
    g = torch.Generator().manual_seed(13)
    cases = []
    specs = [
        ("affine_2d", [4, 64], True, 1e-5, 0.0, 1.0),
        ("affine_3d_offset", [2, 3, 48], True, 1e-5, 50.0, 2.0),
        ("plain_small_eps", [5, 37], False, 1e-12, -3.0, 0.5),
        ("affine_wide_eps", [2, 768], True, 1e-5, 0.0, 1.0),
    ]
    for name, shape, affine, eps, offset, std in specs:
        x = (torch.randn(shape, generator=g) * std + offset).float()
        d = shape[-1]
        w = (1.0 + 0.3 * torch.randn(d, generator=g)).float() if affine else None
        b = (0.2 * torch.randn(d, generator=g)).float() if affine else None
        seed = torch.randn(shape, generator=g).float()
        y = F.layer_norm(x, [d], w, b, eps)
        inputs = [x] + ([w, b] if affine else [])
        fn = (lambda t, ww, bb: F.layer_norm(t, [d], ww, bb, eps)) if affine else (lambda t: F.layer_norm(t, [d], None, None, eps))
        gr = grads64(fn, inputs, seed)
        case = {"name": name, "shape": shape, "eps": eps, "x": flat(x), "seed": flat(seed), "y": flat(y),
                "y_f64": flat(fn(*[t.double() for t in inputs])), "grad_x_f64": gr[0]}
        if affine:
            case.update({"weight": flat(w), "bias": flat(b), "grad_weight_f64": gr[1], "grad_bias_f64": gr[2]})
        cases.append(case)
    save("layernorm", {"cases": cases})


def llama_rms_norm(hidden_states, weight, eps):
    # transformers.models.llama.modeling_llama.LlamaRMSNorm.forward
    input_dtype = hidden_states.dtype
    hidden_states = hidden_states.to(torch.float32) if input_dtype != torch.float64 else hidden_states
    variance = hidden_states.pow(2).mean(-1, keepdim=True)
    hidden_states = hidden_states * torch.rsqrt(variance + eps)
    return weight * hidden_states.to(input_dtype)


def rms_norm_values():
    g = torch.Generator().manual_seed(14)
    cases = []
    for name, shape, eps, scale in [("llama_2d", [4, 64], 1e-6, 1.0), ("llama_3d", [2, 3, 40], 1e-5, 3.0),
                                    ("llama_wide", [2, 512], 1e-5, 0.1)]:
        x = (torch.randn(shape, generator=g) * scale).float()
        w = (1.0 + 0.3 * torch.randn(shape[-1], generator=g)).float()
        seed = torch.randn(shape, generator=g).float()
        fn = lambda t, ww: llama_rms_norm(t, ww, eps)
        gr = grads64(fn, [x, w], seed)
        cases.append({"name": name, "shape": shape, "eps": eps, "x": flat(x), "weight": flat(w), "seed": flat(seed),
                      "y": flat(fn(x, w)), "y_f64": flat(fn(x.double(), w.double())),
                      "grad_x_f64": gr[0], "grad_weight_f64": gr[1]})
    save("rmsnorm", {"cases": cases})


def softmax_values():
    g = torch.Generator().manual_seed(15)
    x = torch.cat([
        torch.randn(3, 50, generator=g),
        torch.randn(2, 50, generator=g) * 30,           # peaked rows
        torch.randn(1, 50, generator=g) + 1000.0,       # large common offset
        torch.linspace(-80, 20, 50).unsqueeze(0),       # entries whose probabilities underflow
    ]).float()
    seed = torch.randn(x.shape, generator=g).float()
    gs = grads64(lambda t: F.softmax(t, dim=-1), [x], seed)[0]
    gl = grads64(lambda t: F.log_softmax(t, dim=-1), [x], seed)[0]
    save("softmax", {"shape": list(x.shape), "x": flat(x), "seed": flat(seed),
                     "softmax": flat(F.softmax(x, dim=-1)), "softmax_f64": flat(F.softmax(x.double(), dim=-1)),
                     "log_softmax": flat(F.log_softmax(x, dim=-1)), "log_softmax_f64": flat(F.log_softmax(x.double(), dim=-1)),
                     "softmax_grad_x_f64": gs, "log_softmax_grad_x_f64": gl})


def loss_values():
    g = torch.Generator().manual_seed(16)
    n, v = 12, 300
    logits = (torch.randn(n, v, generator=g) * 4).float()
    logits[3] += 500.0  # a row with a large offset
    targets = torch.randint(0, v, (n,), generator=g)
    targets[2] = -100
    targets[7] = -100
    leaf = logits.double().clone().requires_grad_(True)
    F.cross_entropy(leaf, targets).backward()
    other = targets.clone()
    other[other == -100] = 7
    other[5] = 7  # ignore_index = 7 in the second case: rows 2, 5 and 7 are skipped
    save("losses", {"shape": [n, v], "logits": flat(logits), "targets": targets.tolist(),
                    "cross_entropy": F.cross_entropy(logits, targets).item(),
                    "cross_entropy_f64": float(f"{F.cross_entropy(logits.double(), targets).item():.10g}"),
                    "per_row": flat(F.cross_entropy(logits, targets, reduction="none")),
                    "per_row_f64": flat(F.cross_entropy(logits.double(), targets, reduction="none")),
                    "grad_logits_f64": flat(leaf.grad),
                    "targets_ignore7": other.tolist(),
                    "cross_entropy_ignore7_f64": float(f"{F.cross_entropy(logits.double(), other, ignore_index=7).item():.10g}")})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    erf_values()
    activation_values()
    layer_norm_values()
    rms_norm_values()
    softmax_values()
    loss_values()


if __name__ == "__main__":
    main()
