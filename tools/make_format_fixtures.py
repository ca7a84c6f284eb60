"""Writes the small PyTorch checkpoints that the format tests read (tests/SparseCircuits.Tests/TestData/formats).

Run once with Debian's PyTorch (/usr/bin/python3, torch 1.13); the outputs are committed, so tests never need
Python. Each checkpoint `X.pt` comes with `X.expected.json`: {name: {"dtype", "shape", "values"}} computed by
PyTorch itself (values flattened row-major after .contiguous(); float16/bfloat16 values as exact float32).

    /usr/bin/python3 tools/make_format_fixtures.py
"""
import collections
import json
import os
import sys

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SparseCircuits.Tests", "TestData", "formats")


def expected(tensors):
    out = {}
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype in (torch.float16, torch.bfloat16, torch.float64):
            values = t.float().reshape(-1).tolist()
        elif t.dtype == torch.bool:
            values = [int(v) for v in t.reshape(-1).tolist()]
        else:
            values = t.reshape(-1).tolist()
        out[name] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": values}
    return out


def save(name, obj, tensors=None):
    path = os.path.join(OUT, name + ".pt")
    torch.save(obj, path)
    if tensors is not None:
        with open(os.path.join(OUT, name + ".expected.json"), "w") as fh:
            lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in expected(tensors).items()]
            fh.write("{\n" + ",\n".join(lines) + "\n}\n")
    print("wrote", path, os.path.getsize(path), "bytes")


class CallsOsSystem:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class CallsEval:
    def __reduce__(self):
        return (eval, ("1+1",))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    # Views whose storage layout differs from their shape: the reader must honour offset, size and stride.
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1.0
    grid = torch.randn(5, 6)
    shared = torch.randn(6)
    views = collections.OrderedDict()
    views["transposed"] = base.t()                                  # stride (1, 4)
    views["sliced"] = grid[1:4, 2:5]                                 # offset 8, stride (6, 1)
    views["every_other"] = grid[::2, 1::3]                           # stride (12, 3)
    views["expanded"] = torch.tensor([1.0, 2.0, 3.0]).unsqueeze(1).expand(3, 4)  # stride (1, 0)
    views["half"] = torch.randn(2, 3).half()
    views["bfloat"] = torch.randn(5).bfloat16()
    views["double"] = torch.tensor([1.5, -2.25, 1e-3], dtype=torch.float64)
    views["long"] = torch.tensor([[0, 5], [2 ** 40, -3]], dtype=torch.int64)
    views["int"] = torch.tensor([7, -8, 9], dtype=torch.int32)
    views["bool"] = torch.tensor([True, False, True])
    views["scalar"] = torch.tensor(3.25)
    views["shared_head"] = shared[:3]                                # two views of one storage
    views["shared_tail"] = shared[3:]
    views["empty"] = torch.zeros(0, 4)
    views["permuted"] = torch.randn(2, 3, 4).permute(2, 0, 1)        # rank 3, stride (1, 12, 4)
    views["wide_transposed"] = (torch.arange(65 * 66, dtype=torch.float32).reshape(65, 66) * 0.5 - 7).t()  # > one 64 x 64 tile
    views["half_transposed"] = torch.randn(3, 5).half().t()          # strided and converted
    save("views", views, views)

    # A real module's state dict: OrderedDict + BUILD with the `_metadata` versions attribute.
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
    state = module.state_dict()
    save("module_state", state, state)

    # keep_vars=True pickles nn.Parameter objects through torch._utils._rebuild_parameter.
    params = module.state_dict(keep_vars=True)
    save("parameters", params, state)

    # A training checkpoint: nested dicts (flattened with dots) and non-tensor values (skipped).
    enc, bias = torch.randn(2, 3), torch.randn(3)
    nested = {"state_dict": {"encoder.weight": enc, "decoder": {"bias": bias}}, "step": 7,
              "config": {"lr": 0.1, "name": "x"}, "history": [1.0, 2.0]}
    save("nested", nested, collections.OrderedDict([("state_dict.encoder.weight", enc), ("state_dict.decoder.bias", bias)]))

    # Pickles that would run code or need other libraries: the reader must refuse them.
    save("evil_os_system", {"weight": torch.ones(2), "payload": CallsOsSystem()})
    save("evil_eval", {"payload": CallsEval()})
    save("numpy_array", {"array": np.arange(3, dtype=np.float32)})


if __name__ == "__main__":
    sys.exit(main())
