"""The official Improved-GAN code's Adam (nn.adam_updates), shared by the ports beside this file."""
import torch

class Adam:  # m / sqrt(v + 1e-8), bias-corrected, mom1 0.5
    def __init__(s, ps): s.ps = ps; s.m = [torch.zeros_like(p) for p in ps]; s.v = [torch.zeros_like(p) for p in ps]; s.t = 0
    @torch.no_grad()
    def step(s, lr):
        s.t += 1
        for p, m, v in zip(s.ps, s.m, s.v):
            g = p.grad; m.mul_(0.5).add_(0.5 * g); v.mul_(0.999).add_(0.001 * g * g)
            p.sub_(lr * (m / (1 - 0.5 ** s.t)) / (v / (1 - 0.999 ** s.t) + 1e-8).sqrt()); p.grad = None
