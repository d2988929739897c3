"""FID and KID as the usual NumPy/SciPy code computes them (pytorch-fid, torch-fidelity), for
test/score/metrics.test.ts. Reads a JSON job file (its path the one argument): two float32 feature
files ([n, d] row-major), the KID subsets' indices, and optionally class probabilities; prints one
JSON object."""
import json
import sys

import numpy as np
from scipy import linalg


def load(path, n, d):
    return np.fromfile(path, dtype=np.float32).astype(np.float64).reshape(n, d)


def fid(a, b):
    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def mmd2(f1, f2):
    d = f1.shape[1]
    k = lambda x, y: (x @ y.T / d + 1) ** 3
    k11, k22, k12 = k(f1, f1), k(f2, f2), k(f1, f2)
    m = f1.shape[0]
    xx = (k11.sum(axis=-1) - np.diag(k11)).sum()
    yy = (k22.sum(axis=-1) - np.diag(k22)).sum()
    return (xx + yy) / (m * (m - 1)) - 2 * k12.sum() / (m ** 2)


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    a = load(job["a"], job["na"], job["d"])
    b = load(job["b"], job["nb"], job["d"])
    mmds = np.array([mmd2(a[np.array(i)], b[np.array(j)]) for i, j in job["subsets"]])
    out = {"fid": fid(a, b), "kid": float(mmds.mean()), "kidStd": float(mmds.std())}
    if "p" in job:
        p = np.fromfile(job["p"], dtype=np.float32).astype(np.float64).reshape(job["np"], job["k"])
        py = p.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(p > 0, p * (np.log(p) - np.log(py)), 0.0).sum(axis=1)
        out["inceptionScore"] = float(np.exp(kl.mean()))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
