"""Writes the small dictionaries the dictionary tests read (tests/SparseCircuits.Tests/TestData/dictionaries).

Run once with Debian's PyTorch (/usr/bin/python3, torch 1.13); the outputs are committed, so tests never need Python.
Each dictionary is stored as its library stores it (dictionary_learning: a torch.save'd state dict `ae.pt` with
`config.json`; SAELens: `cfg.json` + `sae_weights.safetensors`, written here byte by byte since the safetensors package is
not installed). `expected.json` holds the inputs and, per dictionary, the codes and reconstructions computed in PyTorch
float32 with the formulas of the library that defines the class (dictionary_learning dictionary.py / trainers, SAELens
saes/*.py), written out below. Malformed ae.pt files for the error tests are written too.

    /usr/bin/python3 tools/make_dictionary_test_data.py
"""
import json
import os
import shutil
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SparseCircuits.Tests", "TestData", "dictionaries")
D, F, D_OUT, N = 8, 24, 10, 6

torch.manual_seed(11)
g = torch.Generator().manual_seed(11)


def rand(*shape, scale=1.0):
    return (torch.randn(*shape, generator=g) * scale).float()


def folder(name):
    path = os.path.join(OUT, name)
    os.makedirs(path, exist_ok=True)
    return path


def save_dl(name, state, config):
    path = folder(name)
    torch.save(state, os.path.join(path, "ae.pt"))
    with open(os.path.join(path, "config.json"), "w") as fh:
        json.dump(config, fh, indent=1)


def save_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().float()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - (8 + len(raw)) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(raw)))
        fh.write(raw)
        for b in blobs:
            fh.write(b)


def save_saelens(name, tensors, cfg):
    path = folder(name)
    save_safetensors(os.path.join(path, "sae_weights.safetensors"), tensors)
    with open(os.path.join(path, "cfg.json"), "w") as fh:
        json.dump(cfg, fh, indent=1)


def topk_relu(pre, k):
    top = pre.topk(k, dim=-1)
    return torch.zeros_like(pre).scatter(-1, top.indices, torch.relu(top.values))


if os.path.isdir(OUT):
    shutil.rmtree(OUT)
os.makedirs(OUT)

x = rand(N, D, scale=1.5)
expected = {"x": x.tolist(), "dictionaries": {}}


def record(name, site, kind, f, recon):
    expected["dictionaries"][name] = {"site": site, "kind": kind, "codes": f.tolist(), "recon": recon.tolist()}


# dictionary_learning GatedAutoEncoder (encoder without bias; shared decoder_bias).
enc, dec = rand(F, D, scale=0.4), rand(D, F, scale=0.4)
db, r_mag, gate_bias, mag_bias = rand(D, scale=0.2), rand(F, scale=0.3), rand(F, scale=0.3), rand(F, scale=0.3)
x_enc = (x - db) @ enc.T
f = (x_enc + gate_bias > 0).float() * torch.relu(r_mag.exp() * x_enc + mag_bias)
record("dl_gated", "resid_1", "gated", f, f @ dec.T + db)
save_dl("dl_gated", {"decoder_bias": db, "encoder.weight": enc, "r_mag": r_mag, "gate_bias": gate_bias,
                     "mag_bias": mag_bias, "decoder.weight": dec},
        {"trainer": {"dict_class": "GatedAutoEncoder", "activation_dim": D, "dict_size": F, "submodule_name": "resid_1"}})

# dictionary_learning AutoEncoderTopK: ReLU, then the k largest.
enc, enc_b, dec, b_dec, k = rand(F, D, scale=0.4), rand(F, scale=0.3), rand(D, F, scale=0.4), rand(D, scale=0.2), 5
post_relu = torch.relu((x - b_dec) @ enc.T + enc_b)
f = topk_relu(post_relu, k)
record("dl_topk", "mlp_0", "topk", f, f @ dec.T + b_dec)
save_dl("dl_topk", {"encoder.weight": enc, "encoder.bias": enc_b, "decoder.weight": dec, "b_dec": b_dec,
                    "k": torch.tensor(k, dtype=torch.int), "threshold": torch.tensor(-1.0)},
        {"trainer": {"dict_class": "AutoEncoderTopK", "k": k, "submodule_name": "mlp_0"}})

# dictionary_learning BatchTopKSAE at inference: ReLU, then keep values above the scalar threshold.
threshold = torch.tensor(0.35)
f = post_relu * (post_relu > threshold)
record("dl_batchtopk", "attn_0", "jumprelu", f, f @ dec.T + b_dec)
save_dl("dl_batchtopk", {"encoder.weight": enc, "encoder.bias": enc_b, "decoder.weight": dec, "b_dec": b_dec,
                         "k": torch.tensor(k, dtype=torch.int), "threshold": threshold},
        {"trainer": {"dict_class": "BatchTopKSAE", "k": k}})

# dictionary_learning JumpReluAutoEncoder (apply_b_dec_to_input = False).
W_enc, b_enc, W_dec, b_dec2, theta = rand(D, F, scale=0.4), rand(F, scale=0.3), rand(F, D, scale=0.4), rand(D, scale=0.2), rand(F, scale=0.1).abs()
pre = x @ W_enc + b_enc
f = torch.relu(pre * (pre > theta))
record("dl_jumprelu", "embed", "jumprelu", f, f @ W_dec + b_dec2)
save_dl("dl_jumprelu", {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec2, "threshold": theta},
        {"trainer": {"dict_class": "JumpReluAutoEncoder"}})

# dictionary_learning AutoEncoderNew (no shared bias; decoder has its own).
enc, enc_b, dec, dec_b = rand(F, D, scale=0.4), rand(F, scale=0.3), rand(D, F, scale=0.4), rand(D, scale=0.2)
f = torch.relu(x @ enc.T + enc_b)
record("dl_new", "resid_0", "relu", f, f @ dec.T + dec_b)
save_dl("dl_new", {"encoder.weight": enc, "encoder.bias": enc_b, "decoder.weight": dec, "decoder.bias": dec_b},
        {"trainer": {"dict_class": "AutoEncoderNew"}})

# SAELens gated (b_dec subtracted; magnitude path scales W_enc's columns by exp(r_mag)).
W_enc, W_dec, b_dec = rand(D, F, scale=0.4), rand(F, D, scale=0.4), rand(D, scale=0.2)
b_gate, r_mag, b_mag = rand(F, scale=0.3), rand(F, scale=0.3), rand(F, scale=0.3)
sae_in = x - b_dec
f = (sae_in @ W_enc + b_gate > 0).float() * torch.relu(sae_in @ (W_enc * r_mag.exp()) + b_mag)
record("saelens_gated", "mlp_1", "gated", f, f @ W_dec + b_dec)
save_saelens("saelens_gated", {"W_enc": W_enc, "b_gate": b_gate, "r_mag": r_mag, "b_mag": b_mag, "W_dec": W_dec, "b_dec": b_dec},
             {"architecture": "gated", "d_in": D, "d_sae": F, "dtype": "float32", "hook_name": "blocks.1.hook_mlp_out",
              "hook_layer": 1, "hook_head_index": None, "activation_fn_str": "relu", "apply_b_dec_to_input": True,
              "normalize_activations": "none", "finetuning_scaling_factor": False})

# SAELens TopK, pre-6.0 spelling: architecture standard + activation_fn_str topk, old 'hook_point', no b_dec on input.
W_enc, b_enc, W_dec, b_dec = rand(D, F, scale=0.4), rand(F, scale=0.3), rand(F, D, scale=0.4), rand(D, scale=0.2)
f = topk_relu(x @ W_enc + b_enc, 4)
record("saelens_topk_old", "resid_2", "topk", f, f @ W_dec + b_dec)
save_saelens("saelens_topk_old", {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec},
             {"architecture": "standard", "d_in": D, "d_sae": F, "hook_point": "blocks.3.hook_resid_pre",
              "hook_point_layer": 3, "activation_fn_str": "topk", "activation_fn_kwargs": {"k": 4},
              "apply_b_dec_to_input": False, "normalize_activations": False})

# SAELens TopK, 6.x spelling: architecture topk with k, hook fields under metadata, b_dec on input; all-ones scaling_factor.
f = topk_relu((x - b_dec) @ W_enc + b_enc, 3)
record("saelens_topk_v6", "attn_1", "topk", f, f @ W_dec + b_dec)
save_saelens("saelens_topk_v6", {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "scaling_factor": torch.ones(F)},
             {"architecture": "topk", "d_in": D, "d_sae": F, "k": 3, "dtype": "float32", "apply_b_dec_to_input": True,
              "normalize_activations": "none", "reshape_activations": "none",
              "metadata": {"hook_name": "blocks.1.hook_attn_out", "model_name": "test", "sae_lens_version": "6.5.0"}})

# SAELens skip transcoder: MLP input (d_in) to MLP output (d_out); never subtracts b_dec; x̂ += x·W_skipᵀ.
W_enc, b_enc, W_dec, b_dec, W_skip = rand(D, F, scale=0.4), rand(F, scale=0.3), rand(F, D_OUT, scale=0.4), rand(D_OUT, scale=0.2), rand(D_OUT, D, scale=0.3)
f = torch.relu(x @ W_enc + b_enc)
record("saelens_skip_transcoder", "mlp_0", "relu", f, f @ W_dec + b_dec + x @ W_skip.T)
expected["dictionaries"]["saelens_skip_transcoder"]["input_site"] = "mlp_in_0"
save_saelens("saelens_skip_transcoder", {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "W_skip": W_skip},
             {"architecture": "skip_transcoder", "d_in": D, "d_sae": F, "d_out": D_OUT, "apply_b_dec_to_input": True,
              "hook_name": "blocks.0.ln2.hook_normalized", "hook_name_out": "blocks.0.hook_mlp_out",
              "normalize_activations": "none"})

# Malformed dictionary_learning files (AutoEncoder layout).
enc, enc_b, dec, bias = rand(F, D), rand(F), rand(D, F), rand(D)
save_dl("bad_shape", {"bias": bias, "encoder.weight": enc, "encoder.bias": enc_b, "decoder.weight": rand(D, F + 1)}, {})
save_dl("bad_missing_key", {"bias": bias, "encoder.weight": enc, "decoder.weight": dec}, {})
nan_enc = enc.clone()
nan_enc[2, 3] = float("nan")
save_dl("bad_nan", {"bias": bias, "encoder.weight": nan_enc, "encoder.bias": enc_b, "decoder.weight": dec}, {})
save_dl("bad_not_a_dictionary", {"weight": enc}, {})

with open(os.path.join(OUT, "expected.json"), "w") as fh:
    json.dump(expected, fh)
print("wrote", OUT)
