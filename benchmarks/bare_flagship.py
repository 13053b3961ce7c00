"""The flagship run written plainly: the same networks, generator steps, losses and downstream model as
``synthbench run --generator cgan --task mnist``, with no synthbench machinery (no MLflow, no
registry, no progress bars, no artifacts). ``bench_flagship.py`` times it against synthbench.

Usage: python benchmarks/bare_flagship.py '<json of cgan params>' '<json of cnn params>' <fidelity_samples>
"""

import copy
import gzip
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torch_fidelity
from torch.utils.data import Dataset

from synthbench.downstream.cnn import build_cnn, random_shift  # the same network and augmentation
from synthbench.extractors import ensure_registered
from synthbench.generators.networks import conv_networks

t_start = time.perf_counter()
gp, mp, n_fid = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
torch.manual_seed(gp["random_state"])
rng = np.random.default_rng(gp["random_state"])


def idx(path):
    with gzip.open(path) as fh:
        b = fh.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


D_ = "datasets/mnist/"
x_all, y_all = idx(D_ + "train-images-idx3-ubyte.gz")[:, None], idx(D_ + "train-labels-idx1-ubyte.gz").astype(np.int64)
x_te, y_te = idx(D_ + "t10k-images-idx3-ubyte.gz")[:, None], idx(D_ + "t10k-labels-idx1-ubyte.gz").astype(np.int64)
perm = rng.permutation(len(y_all))
val_i, tr_i = perm[:5000], perm[5000:]
x_tr, y_tr, x_va, y_va = x_all[tr_i], y_all[tr_i], x_all[val_i], y_all[val_i]
to_f = lambda a: torch.from_numpy(a).float().div(127.5).sub(1)

# -- cgan ---------------------------------------------------------------------------------------
G, D = conv_networks((1, 28, 28), 10, gp["latent_dim"], gp["width"], conditioning="projection", aux_classifier=gp["aux_weight"] > 0,
                     minibatch_std=gp["minibatch_std"], d_norm=gp["d_norm"], cond_bn=gp["cond_bn"])
G_ema = copy.deepcopy(G).requires_grad_(False)
og = torch.optim.Adam(G.parameters(), gp["lr_g"], betas=(gp["beta1"], 0.999))
od = torch.optim.Adam(D.parameters(), gp["lr_d"], betas=(gp["beta1"], 0.999))
X, Y = to_f(x_tr), torch.from_numpy(y_tr)
prior = torch.bincount(Y, minlength=10).float()
bs, half, aux, ms = gp["batch_size"], gp["batch_size"] // 2, gp["aux_weight"], gp["mode_seeking"]
step, per_epoch = 0, len(Y) // bs
for epoch in range(-(-gp["steps"] // per_epoch)):
    p = torch.randperm(len(Y))
    for i in range(min(per_epoch, gp["steps"] - step)):
        b = p[i * bs:(i + 1) * bs]
        z = torch.randn(bs, gp["latent_dim"])
        yf = torch.multinomial(prior, bs, replacement=True)
        if ms:
            yf[half:] = yf[:half]
        fake = G(z, yf)
        dr, cr = D(X[b], Y[b])
        df, _ = D(fake.detach(), yf)
        ld = F.softplus(-dr).mean() + F.softplus(df).mean() + aux * F.cross_entropy(cr, Y[b])
        od.zero_grad(); ld.backward(); od.step()
        dg, cg = D(fake, yf)
        lg = F.softplus(-dg).mean() + aux * F.cross_entropy(cg, yf)
        if ms:
            lg = lg + ms / (((fake[:half] - fake[half:]).abs().flatten(1).mean(1) / (z[:half] - z[half:]).abs().mean(1)).mean() + 1e-5)
        og.zero_grad(); lg.backward(); og.step()
        step += 1
        decay = min(gp["ema_decay"], (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pg in zip(G_ema.parameters(), G.parameters()):
                pe.lerp_(pg, 1 - decay)
            for be, bg in zip(G_ema.buffers(), G.buffers()):
                be.copy_(bg)
t_fit = time.perf_counter() - t_start
G_ema.eval()
y_syn = rng.permutation(np.repeat(np.arange(10), np.bincount(y_tr, minlength=10)))
D.eval()


def generate(y):
    x = G_ema(torch.randn(len(y), gp["latent_dim"]), y)
    if gp["filter_samples"] and aux:  # re-draw what D's classifier puts in another class, up to 10 times
        for _ in range(10):
            bad = D(x, y)[1].argmax(1) != y
            if not bool(bad.any()):
                break
            x[bad] = G_ema(torch.randn(int(bad.sum()), gp["latent_dim"]), y[bad])
    return x


with torch.no_grad():
    x_syn = np.concatenate([((generate(torch.from_numpy(c)) + 1) * 127.5).round().clamp(0, 255).byte().numpy()
                            for c in np.array_split(y_syn, max(1, len(y_syn) // 1000))])


# -- downstream ---------------------------------------------------------------------------------
def train_cnn(x, y):
    m = build_cnn(1, 28, 10, mp["channels"], mp["hidden"], mp["dropout"])
    o = torch.optim.Adam(m.parameters(), mp["lr"])
    Xt, Yt = to_f(x), torch.from_numpy(y)
    steps = (len(Yt) + mp["batch_size"] - 1) // mp["batch_size"]
    sched = torch.optim.lr_scheduler.OneCycleLR(o, max_lr=mp["lr"], total_steps=mp["epochs"] * steps)
    best, state = -1, None
    for e in range(mp["epochs"]):
        m.train()
        p = torch.randperm(len(Yt))
        for i in range(0, len(Yt), mp["batch_size"]):
            b = p[i:i + mp["batch_size"]]
            loss = F.cross_entropy(m(random_shift(Xt[b], mp.get("shift", 0), None)), Yt[b]); o.zero_grad(); loss.backward(); o.step()
            sched.step()
        m.eval()
        with torch.no_grad():
            acc = (torch.cat([m(to_f(x_va[i:i + 1000])).argmax(1) for i in range(0, 5000, 1000)]).numpy() == y_va).mean()
        if acc > best:
            best, state = acc, copy.deepcopy(m.state_dict())
    m.load_state_dict(state)
    with torch.no_grad():
        return (torch.cat([m(to_f(x_te[i:i + 1000])).argmax(1) for i in range(0, len(y_te), 1000)]).numpy() == y_te).mean()


acc = {"real": train_cnn(x_tr, y_tr), "synthetic": train_cnn(x_syn, y_syn)}
k = len(y_tr) // 2
ri, si = rng.choice(len(y_tr), len(y_tr) - k, replace=False), rng.choice(len(y_syn), k, replace=False)
acc["mixed"] = train_cnn(np.concatenate([x_tr[ri], x_syn[si]]), np.concatenate([y_tr[ri], y_syn[si]]))


# -- fidelity -----------------------------------------------------------------------------------
class DS(Dataset):
    def __init__(self, a):
        self.t = torch.from_numpy(np.ascontiguousarray(a))

    def __len__(self):
        return len(self.t)

    def __getitem__(self, i):
        return self.t[i]


name = ensure_registered("lenet-mnist")
kw = dict(fid=True, kid=True, prc=True, feature_extractor=name, cuda=False, batch_size=500, kid_subset_size=1000,
          save_cpu_ram=True, cache=False, verbose=False)
real = x_te[rng.choice(len(y_te), n_fid, replace=False)]
fid = torch_fidelity.calculate_metrics(input1=DS(x_syn[rng.choice(len(y_syn), n_fid, replace=False)]), input2=DS(real), **kw)
ref = torch_fidelity.calculate_metrics(input1=DS(x_tr[rng.choice(len(y_tr), n_fid, replace=False)]), input2=DS(real), **kw)
print(json.dumps({"fit_seconds": t_fit, "total_seconds": time.perf_counter() - t_start, "accuracy": acc,
                  "fid": fid["frechet_inception_distance"], "fid_reference": ref["frechet_inception_distance"]}))
