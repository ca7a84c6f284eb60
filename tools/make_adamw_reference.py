"""Reference values for the AdamW test: torch.optim.AdamW (PyTorch 1.13) on fixed parameters and gradients,
with gradient-norm clipping. Run with Debian's python3-torch: /usr/bin/python3 tools/make_adamw_reference.py"""
import json
import torch

torch.manual_seed(0)
p0 = [[0.5, -1.0, 2.0], [0.25, 0.0, -0.75]]
grads = [
    [[0.1, -0.2, 0.3], [1.5, -0.5, 0.0]],
    [[-0.4, 0.2, 0.1], [0.3, 2.5, -1.0]],
    [[0.05, 0.05, -0.3], [-0.2, 0.1, 0.4]],
]
p = torch.tensor(p0, requires_grad=True)
opt = torch.optim.AdamW([p], lr=0.05, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
out = []
norms = []
for g in grads:
    opt.zero_grad()
    p.grad = torch.tensor(g)
    norms.append(float(torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)))
    opt.step()
    out.append(p.detach().flatten().tolist())
json.dump({"lr": 0.05, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8, "weight_decay": 0.1, "max_norm": 1.0,
           "initial": p0, "grads": grads, "norms_before_clip": norms, "after_each_step": out},
          open("tests/SparseCircuits.Tests/TestData/optim/adamw_reference.json", "w"), indent=1)
