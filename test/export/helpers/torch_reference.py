"""Independent PyTorch interpreter of ssgan's layer list (src/model/layers.ts), eval mode.

Test-only reference for the ONNX parity tests. Usage: torch_reference.py MANIFEST.json, where the
manifest is a list of jobs {net: "D"|"G", layers, weights: {name: {shape, offset}}, weightsFile,
input, inputShape, output}; float32 little-endian files. "D" jobs take NHWC pixels 0..255 and
return logits; "G" jobs take z and return NHWC images in [-1, 1].
"""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F


def weight(job, blob, net, layer, p):
    info = job["weights"][f"{net}.{layer['name']}.{p}"]
    n = int(np.prod(info["shape"]))
    return torch.from_numpy(blob[info["offset"]:info["offset"] + n].reshape(info["shape"]).copy())


def linear_weight(job, blob, net, l):
    if not l.get("weightNorm"):
        return weight(job, blob, net, l, "weight")
    v = weight(job, blob, net, l, "v").double()
    g = weight(job, blob, net, l, "g").double().reshape(-1)
    out_dim = 1 if l["op"] == "deconv" else 0
    dims = [d for d in range(v.dim()) if d != out_dim]
    norm = v.pow(2).sum(dim=dims, keepdim=True).sqrt()
    shape = [1] * v.dim()
    shape[out_dim] = -1
    return (g.reshape(shape) * v / norm).float()


def run(job, blob, x):
    net = job["net"]
    for l in job["layers"]:
        op = l["op"]
        w = lambda p: weight(job, blob, net, l, p)
        if op == "conv":
            x = F.conv2d(x, linear_weight(job, blob, net, l), w("bias"), stride=l["stride"], padding=l["pad"])
        elif op == "deconv":
            x = F.conv_transpose2d(x, linear_weight(job, blob, net, l), w("bias"), stride=l["stride"],
                                   padding=l["pad"], output_padding=l["outPad"])
        elif op == "dense":
            x = F.linear(x, linear_weight(job, blob, net, l), w("bias"))
        elif op == "norm":
            scale = w("weight") if l["affine"] else None
            shift = w("bias") if l["affine"] or l.get("shift") else None
            if l["kind"] == "batch":
                x = F.batch_norm(x, w("running_mean"), w("running_var"), scale, shift, training=False, eps=l["eps"])
            else:
                # By hand: F.instance_norm refuses 1x1 maps, which the seed's D reaches (libtorch does not).
                mean = x.mean(dim=(2, 3), keepdim=True)
                var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
                x = (x - mean) / torch.sqrt(var + l["eps"])
                if scale is not None:
                    x = x * scale.reshape(1, -1, 1, 1)
                if shift is not None:
                    x = x + shift.reshape(1, -1, 1, 1)
        elif op == "act":
            fn = l["fn"]
            x = {"lrelu": lambda t: F.leaky_relu(t, l.get("slope", 0.01)), "relu": F.relu, "tanh": torch.tanh,
                 "sigmoid": torch.sigmoid, "softplus": F.softplus}[fn](x)
        elif op == "resize":
            if l["mode"] == "bilinear":
                x = F.interpolate(x, scale_factor=l["scale"], mode="bilinear", align_corners=False)
            else:
                x = F.interpolate(x, scale_factor=l["scale"], mode="nearest")
        elif op == "resizeTo":
            x = F.interpolate(x, size=(l["h"], l["w"]), mode="bilinear", align_corners=False)
        elif op == "reshape":
            x = x.reshape([x.shape[0]] + l["shape"])
        elif op == "flatten":
            x = x.flatten(1)
        elif op == "meanHW":
            x = x.mean(dim=(2, 3))
        elif op == "affine":
            x = x * l["mul"] + l["add"]
        elif op in ("noise", "dropout"):
            pass
        elif op == "zeroLogit":
            x = torch.cat([x, torch.zeros(x.shape[0], 1)], dim=1)
        else:
            raise SystemExit(f"torch_reference.py: unknown op {op}")
    return x


def main():
    torch.set_num_threads(1)
    jobs = json.load(open(sys.argv[1]))
    blobs = {}
    with torch.no_grad():
        for job in jobs:
            if job["weightsFile"] not in blobs:
                blobs[job["weightsFile"]] = np.fromfile(job["weightsFile"], dtype="<f4")
            blob = blobs[job["weightsFile"]]
            x = torch.from_numpy(np.fromfile(job["input"], dtype="<f4").reshape(job["inputShape"]))
            if job["net"] == "D":
                x = (x / 127.5 - 1).permute(0, 3, 1, 2).contiguous()
                y = run(job, blob, x)
            else:
                y = run(job, blob, x).permute(0, 2, 3, 1).contiguous()
            y.numpy().astype("<f4").tofile(job["output"])


main()
