"""The official Improved-GAN CIFAR-10 recipe (openai/improved-gan, mnist_svhn_cifar10/
train_cifar_feature_matching.py with its nn.py, Theano + Lasagne) ported line by line to PyTorch, to
compare ssgan's paper-cifar with the code behind the paper's 18.63 +/- 2.32 % test error (4,000
labels). With --svhn, the official SVHN script (train_svhn_feature_matching.py), which is the CIFAR
script with these changes only: 64/128 channels instead of 96/192 (ssgan's paper-svhn), pixels
(x - 127.5) / 127.5 instead of / 128, the learning rate's decay from epoch 600 to 0 at 900 (CIFAR:
800 to 1200), 100 labels a class instead of 400, and a test error over every test image.

As the original:
- D: dropout 0.2 on the input; 3x3 convs 96, 96, 96 (stride 2), dropout 0.5, 192, 192, 192
  (stride 2), dropout 0.5, 192 (unpadded), two 1x1 ("NIN") 192; leaky ReLU 0.2; a global mean pool
  (the feature-matching features); a dense layer to the 10 logits. Every layer is weight-normalised
  (nn.weight_norm: w = g v / sqrt(1e-6 + ||v||^2) per output unit, plus a bias) with directions
  N(0, 0.05); the hidden layers' gains are not trained (train_g=False), the output layer's are.
- G: z ~ U(0, 1)^100; dense 100 -> 4x4x512, then transposed convs 5x5 stride 2 to 256 and 128
  channels, all N(0, 0.05), each followed by nn.batch_norm with g=None (batch statistics, eps 1e-6
  inside the root, a learned shift and no scale; the layer's own bias removed) and ReLU; then a
  weight-normalised transposed conv to 3 channels with a trained gain, tanh. The batch norms always
  normalise with the batch's statistics (the official code never evaluates G deterministically).
- Data-dependent init (WeightNormLayer, init=True): on epoch 0, one pass of the first 500 examples
  of the labeled stream through D (dropout on) and of one generated batch of 100 through G; every
  weight-normalised layer's pre-activations are brought to mean 0 and std init_stdv (1 for hidden
  layers, 0.1 for D's and G's output layers) by g *= init_stdv / std, b = -mean * init_stdv / std.
- Losses: loss_lab = -mean(l_y) + mean(lse(l)); loss_unl = -0.5 mean(lse(l_unl)) + 0.5
  mean(softplus(lse(l_unl))) + 0.5 mean(softplus(lse(l_gen))), unlabeled weight 1; G minimises
  mean |mean f(x) - mean f(G(z))| over the pooled features (an L1 distance; the MNIST script
  squares it), D's dropout on.
- Adam (nn.adam_updates): m / sqrt(v + 1e-8), bias-corrected, beta1 0.5, beta2 0.999, for D and G;
  lr 3e-4 * min(3 - epoch / 400, 1) (SVHN: / 300); no gradient clipping.
- Each batch of 100: one D update (labeled, unlabeled and a generated batch), then one G update on
  a second unlabeled batch; int(n_train / 100) batches an epoch. The labeled stream is the labeled
  set tiled with fresh permutations to the unlabeled set's length; the two unlabeled streams are
  independent permutations of every training image (labeled ones included), from numpy's
  RandomState(seed) in the official order (two draws for the Theano and Lasagne seeds first).
- The weight average: a += 1e-4 (p - a) from zero over D's trainable parameters, with the values
  before the update (Theano computes all updates from the old values). Test errors use it with the
  current fixed gains and no dropout ("avg"); the current weights are reported too ("raw").

Differences:
- The labeled examples are the ids of an ssgan run's labeled.json (its label draw; or a JSON list
  of ids), and every image comes from ssgan's dataset folder (data.packed when it matches
  data.hdf5 and id.txt, else data.hdf5 through h5py: one group per id with `image` [H, W, C] uint8
  and a one-hot `label`; the train/test split of split.json, else ssgan's seeded 80/20 split), so
  the port and ssgan see the same data and labels. The official code drew `count` examples a class
  with RandomState(seed_data).
- Theano's and Lasagne's random streams are torch.manual_seed(seed); theano's transposed conv
  (AbstractConv2d_gradInputs, 'half' padding, flipped filters) is conv_transpose2d with padding 2
  and output padding 1 (with random filters the flip changes nothing).
- The CIFAR test error covers every test image (the script drops a last partial batch of 100, which
  CIFAR-10's 10,000 test images do not have).
- No sample images are written.

Prints one JSON line an epoch: test errors (counts, of `examples`) of the current ("raw") and the
averaged ("avg") weights, the epoch's mean losses and train error, seconds so far. --max-steps N
stops after N training steps (a timing check: it prints the seconds of each step, then the test
errors at that point on --test-examples images); cpu_s is the process's CPU time a step
(user + system, all threads), which other jobs on the machine disturb less than the wall time.
Usage: /usr/bin/python3 official_cifar_port.py DATASET_DIR LABELED_JSON EPOCHS SEED [--svhn]
         [--threads N] [--max-steps N] [--test-examples N]
  e.g. datasets/CIFAR10 train_dir/<run>/labeled.json 1200 1 --threads 1
"""
import argparse, json, math, os, struct, sys, time
import numpy as np, torch, torch.nn.functional as F

ap = argparse.ArgumentParser(description='the official Improved-GAN CIFAR-10 / SVHN feature-matching code in PyTorch')
ap.add_argument('dataset_dir'); ap.add_argument('labeled_json')
ap.add_argument('epochs', type=int); ap.add_argument('seed', type=int)
ap.add_argument('--svhn', action='store_true', help='train_svhn_feature_matching.py: 64/128 channels, /127.5, decay from epoch 600')
ap.add_argument('--threads', type=int, default=1, help='torch.set_num_threads')
ap.add_argument('--max-steps', type=int, help='stop after this many training steps (timing)')
ap.add_argument('--test-examples', type=int, help='test on the first N test images only')
a = ap.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
rng = np.random.RandomState(a.seed)
rng.randint(2 ** 15); rng.randint(2 ** 15)  # the official seeds of theano_rng and lasagne.random

# ---- ssgan's dataset folder (src/data/dataset.ts, packed-cache.ts, split.ts) ----
def read_packed(d, count):
    """data.packed: 'SSGANPK1', uint32 LE header length, JSON header, images NHWC uint8 and int32
    labels from the next multiple of 64; used only when it records data.hdf5's and id.txt's size and mtime."""
    f = os.path.join(d, 'data.packed')
    if not os.path.exists(f): return None
    with open(f, 'rb') as fh: buf = fh.read()
    if buf[:8] != b'SSGANPK1': return None
    n = struct.unpack('<I', buf[8:12])[0]; hd = json.loads(buf[12:12 + n].decode('utf8'))
    for key, name in (('hdf5', 'data.hdf5'), ('ids', 'id.txt')):
        st = os.stat(os.path.join(d, name))
        if hd['source'][key]['size'] != st.st_size or abs(hd['source'][key]['mtimeMs'] - st.st_mtime_ns / 1e6) > 0.01: return None
    if hd['count'] != count: return None
    h, w, c, start = hd['h'], hd['w'], hd['c'], math.ceil((12 + n) / 64) * 64
    x = np.frombuffer(buf, np.uint8, count * h * w * c, start).reshape(count, h, w, c)
    y = np.frombuffer(buf, '<i4', count, start + count * h * w * c).astype(np.int64)
    return x, y, hd['k']

def read_hdf5(d, ids):
    import h5py
    with h5py.File(os.path.join(d, 'data.hdf5'), 'r') as f:
        x = np.stack([f[i]['image'][()] for i in ids]); onehot = np.stack([f[i]['label'][()] for i in ids])
    if x.ndim == 3: x = x[..., None]
    return x.astype(np.uint8), onehot.argmax(1).astype(np.int64), onehot.shape[1]

def load(d):
    ids = [s.strip() for s in open(os.path.join(d, 'id.txt')) if s.strip()]
    x, y, k = read_packed(d, len(ids)) or read_hdf5(d, ids)
    where = {i: n for n, i in enumerate(ids)}
    sf = os.path.join(d, 'split.json')
    if os.path.exists(sf):
        s = json.load(open(sf)); tr, te = [where[str(i)] for i in s['train']], [where[str(i)] for i in s['test']]
    else:  # ssgan's seeded split: RandomState(123).shuffle, the first int(0.8 n) train
        order = list(range(len(ids))); np.random.RandomState(123).shuffle(order); cut = int(len(ids) * 0.8)
        tr, te = order[:cut], order[cut:]
    return ids, where, x, y, k, np.array(tr), np.array(te)

ids, where, X, Y, K, tr, te = load(a.dataset_dir)
assert X.shape[1:] == (32, 32, 3), f'the official networks take 32x32x3 images, not {X.shape[1:]}'
X = torch.from_numpy(np.ascontiguousarray(X.transpose(0, 3, 1, 2)))  # uint8 NCHW; scaled per batch
scale = 127.5 if a.svhn else 128.  # svhn rescale: (x - 127.5) / 127.5; cifar10_data: (x - 127.5) / 128
def px(i): return (X[torch.as_tensor(i)].float() - 127.5) / scale
lj = json.load(open(a.labeled_json)); lab_ids = lj['ids'] if isinstance(lj, dict) else lj
lab = np.array([where[str(i)] for i in lab_ids])
assert set(lab) <= set(tr.tolist()), 'labeled ids outside the training split'
txs, tys = lab, Y[lab]  # the labeled set (indices into X) and its labels
trainx_unl, trainx_unl2 = tr.copy(), tr.copy()
testx, testy = (te[:a.test_examples] if a.test_examples else te), torch.from_numpy(Y[te[:a.test_examples] if a.test_examples else te])
print(f'{len(tr)} train, {len(txs)} labeled ({np.bincount(tys, minlength=K).tolist()} a class), {len(testx)} test', file=sys.stderr)
bs = 100
nr_batches_train = len(trainx_unl) // bs

# ---- nn.py ----
def P(t, train=True): return t.requires_grad_(train)
def wn(shape, out_dim, train_g=False, init_stdv=1.):  # nn.weight_norm over a layer with W=Normal(0.05)
    return dict(v=P(torch.randn(shape) * 0.05), g=P(torch.ones(shape[out_dim]), train_g), b=P(torch.zeros(shape[out_dim])), out_dim=out_dim, init_stdv=init_stdv)
def wn_weight(l):  # W_param * g / sqrt(1e-6 + sum W_param^2), per output unit
    v, o = l['v'], l['out_dim']; dims = [d for d in range(v.dim()) if d != o]; shape = [1] * v.dim(); shape[o] = -1
    return v * (l['g'] / (1e-6 + v.pow(2).sum(dims)).sqrt()).reshape(shape)
def wn_out(l, t, init):  # WeightNormLayer.get_output_for on the bias-free pre-activation t
    axes, shape = [0] + list(range(2, t.dim())), [1, -1] + [1] * (t.dim() - 2)
    if init:
        with torch.no_grad():
            m = t.mean(axes); t = t - m.reshape(shape)
            inv = l['init_stdv'] / t.pow(2).mean(axes).sqrt(); t = t * inv.reshape(shape)
            l['b'].data = -m * inv; l['g'].data = l['g'].data * inv
        return t
    return t + l['b'].reshape(shape)
def bn(h, beta):  # BatchNormLayer with g=None, deterministic=False (its running averages are never read)
    axes, shape = [0] + list(range(2, h.dim())), [1, -1] + [1] * (h.dim() - 2)
    c = h - h.mean(axes).reshape(shape)
    return c / (1e-6 + c.pow(2).mean(axes)).sqrt().reshape(shape) + beta.reshape(shape)

# ---- the networks ----
c1, c2 = (64, 128) if a.svhn else (96, 192)
D = [('drop', 0.2)]
def conv(i, o, k=3, stride=1, pad=1): D.append(('conv', wn((o, i, k, k), 0), stride, pad))
conv(3, c1); conv(c1, c1); conv(c1, c1, stride=2); D.append(('drop', 0.5))
conv(c1, c2); conv(c2, c2); conv(c2, c2, stride=2); D.append(('drop', 0.5))
conv(c2, c2, pad=0); conv(c2, c2, k=1, pad=0); conv(c2, c2, k=1, pad=0)  # NINLayer: a 1x1 conv
D += [('pool',), ('dense', wn((K, c2), 0, train_g=True, init_stdv=0.1))]
def dforward(x, train=True, init=False):
    feat = None
    for kind, *r in D:
        if kind == 'drop': x = F.dropout(x, r[0], train)
        elif kind == 'conv': x = F.leaky_relu(wn_out(r[0], F.conv2d(x, wn_weight(r[0]), None, r[1], r[2]), init), 0.2)
        elif kind == 'pool': x = feat = x.mean((2, 3))  # GlobalPoolLayer: disc_layers[-2]
        else: x = wn_out(r[0], F.linear(x, wn_weight(r[0])), init)
    return x, feat
G = dict(w0=P(torch.randn(4 * 4 * 512, 100) * 0.05), b0=P(torch.zeros(4 * 4 * 512)),
         w1=P(torch.randn(512, 256, 5, 5) * 0.05), b1=P(torch.zeros(256)),
         w2=P(torch.randn(256, 128, 5, 5) * 0.05), b2=P(torch.zeros(128)))
GO = wn((128, 3, 5, 5), 1, train_g=True, init_stdv=0.1)  # Deconv2DLayer W [in, out, 5, 5]: norm per out channel
def gforward(n, init=False):
    z = torch.rand(n, 100)
    h = F.relu(bn(z @ G['w0'].t(), G['b0'])).reshape(n, 512, 4, 4)
    h = F.relu(bn(F.conv_transpose2d(h, G['w1'], None, 2, 2, 1), G['b1']))
    h = F.relu(bn(F.conv_transpose2d(h, G['w2'], None, 2, 2, 1), G['b2']))
    return torch.tanh(wn_out(GO, F.conv_transpose2d(h, wn_weight(GO), None, 2, 2, 1), init))

from official_adam import Adam  # nn.adam_updates
dparams = [t for _, *r in D for l in r[:1] if isinstance(l, dict) for t in (l['v'], l['g'], l['b']) if t.requires_grad]
gparams = list(G.values()) + [GO['v'], GO['g'], GO['b']]
od, og = Adam(dparams), Adam(gparams)
avg = [torch.zeros_like(p) for p in dparams]  # disc_param_avg, from zero

def test_errors(use_avg):
    with torch.no_grad():
        if use_avg:
            saved = [p.data.clone() for p in dparams]
            for p, q in zip(dparams, avg): p.data.copy_(q)
        pred = torch.cat([dforward(px(testx[i:i + bs]), train=False)[0].argmax(1) for i in range(0, len(testx), bs)])
        if use_avg:
            for p, s in zip(dparams, saved): p.data.copy_(s)
    return int((pred != testy).sum())

t0, steps, step_s, cpu_s = time.time(), 0, [], []
for epoch in range(a.epochs):
    lr = 3e-4 * min(3. - epoch / (300. if a.svhn else 400.), 1.)
    # the labeled stream: the labeled set tiled with fresh permutations to the unlabeled set's length
    li = np.concatenate([rng.permutation(len(txs)) for _ in range(int(np.ceil(len(trainx_unl) / float(len(txs)))))])
    trainx, trainy = txs[li], torch.from_numpy(tys[li])
    trainx_unl = trainx_unl[rng.permutation(len(trainx_unl))]
    trainx_unl2 = trainx_unl2[rng.permutation(len(trainx_unl2))]
    if epoch == 0:  # init_param(trainx[:500]): D on labeled images, G on its own batch of 100
        with torch.no_grad(): gforward(bs, init=True); dforward(px(trainx[:500]), init=True)
    sums, done = np.zeros(3), 0
    for t in range(nr_batches_train):
        ts, tc = time.time(), time.process_time()
        sl = slice(t * bs, (t + 1) * bs)
        with torch.no_grad(): fake = gforward(bs)  # G is not trained by this update
        ll, _ = dforward(px(trainx[sl])); lu, _ = dforward(px(trainx_unl[sl])); lg, _ = dforward(fake)
        lse_l, lse_u, lse_g = torch.logsumexp(ll, 1), torch.logsumexp(lu, 1), torch.logsumexp(lg, 1)
        loss_lab = -ll.gather(1, trainy[sl][:, None]).mean() + lse_l.mean()
        loss_unl = -0.5 * lse_u.mean() + 0.5 * F.softplus(lse_u).mean() + 0.5 * F.softplus(lse_g).mean()
        (loss_lab + loss_unl).backward()
        with torch.no_grad():
            for p, q in zip(dparams, avg): q.add_(1e-4 * (p - q))  # from the values before this update
        od.step(lr)
        sums += [float(loss_lab), float(loss_unl), float((ll.argmax(1) != trainy[sl]).float().mean())]
        for p in dparams: p.requires_grad_(False)
        _, fu = dforward(px(trainx_unl2[sl])); _, fg = dforward(gforward(bs))
        (fu.mean(0) - fg.mean(0)).abs().mean().backward(); og.step(lr)
        for p in dparams: p.requires_grad_(True)
        done += 1; steps += 1; step_s.append(time.time() - ts); cpu_s.append(time.process_time() - tc)
        if a.max_steps and steps >= a.max_steps: break
    if a.max_steps and steps >= a.max_steps:
        print(json.dumps(dict(steps=steps, threads=a.threads, step_s=[round(s, 3) for s in step_s], cpu_s=[round(s, 3) for s in cpu_s])), flush=True)
    m = sums / done
    print(json.dumps(dict(epoch=epoch + 1, steps=steps, raw=test_errors(False), avg=test_errors(True), examples=len(testx), loss_lab=round(m[0], 4), loss_unl=round(m[1], 4), train_err=round(m[2], 4), lr=lr, s=round(time.time() - t0))), flush=True)
    if a.max_steps and steps >= a.max_steps: break
