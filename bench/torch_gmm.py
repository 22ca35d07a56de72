"""The PyTorch baselines of `npm run bench` (bench/torch.ts runs this with python3; torch on CPU,
2 threads). The model follows GMMPytorch (github.com/kylesayrs/GMMPytorch): mixture logits,
means and a Cholesky factor of the covariance (`full`, MultivariateNormal(scale_tril)) or the
standard deviations (`diag`, Independent(Normal)), through MixtureSameFamily; the loss is the mean
NLL; a training step is zero_grad, forward, backward, Adam step, clamping of the diagonal.

Usage: python3 torch_gmm.py <prefix> <kind> <type> <reps>, with <prefix>.json describing the
arrays in <prefix>.<name>.bin (float32). kind: nll (fwd+bwd w.r.t. x and every parameter),
layer (Adam step), mdn (per-sample mixtures decoded from yPred, gradient w.r.t. yPred).
Prints {"ms": median ms per step, "version": torch version, "threads": n}.
"""
import json
import sys
import time

import numpy as np
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, MultivariateNormal, Normal

torch.set_num_threads(2)
prefix, kind, cov_type, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
meta = json.load(open(prefix + ".json"))
arrays = {
    name: torch.from_numpy(np.fromfile(f"{prefix}.{name}.bin", dtype=np.float32).reshape(shape).copy())
    for name, shape in meta["shapes"].items()
}


def mixture(logits, means, scale):
    if cov_type == "full":
        components = MultivariateNormal(means, scale_tril=scale)
    else:
        components = Independent(Normal(means, scale), 1)
    return MixtureSameFamily(Categorical(logits=logits), components)


def shared_parameters():
    x = arrays["x"]
    K, D = arrays["means"].shape
    logits = torch.zeros(K, requires_grad=True)
    means = arrays["means"].clone().requires_grad_(True)
    if cov_type == "full":
        scale = torch.eye(D).repeat(K, 1, 1).requires_grad_(True)
    else:
        scale = torch.ones(K, D, requires_grad=True)
    return x, logits, means, scale


def nll_step():
    x, logits, means, scale = shared_parameters()
    x = x.clone().requires_grad_(True)

    def step():
        loss = -mixture(logits, means, scale).log_prob(x).mean()
        torch.autograd.grad(loss, [x, logits, means, scale])

    return step


def layer_step():
    x, logits, means, scale = shared_parameters()
    optimizer = torch.optim.Adam([logits, means, scale], lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = -mixture(logits, means, scale).log_prob(x).mean()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            diagonal = scale.diagonal(dim1=-2, dim2=-1) if cov_type == "full" else scale
            diagonal.abs_().clamp_min_(1e-6)

    return step


def mdn_step():
    y_true, y_pred = arrays["yTrue"], arrays["yPred"].clone().requires_grad_(True)
    K, D = meta["K"], meta["D"]
    B = y_true.shape[0]
    softplus = torch.nn.functional.softplus

    def step():
        logits = y_pred[:, :K]
        means = y_pred[:, K : K + K * D].reshape(B, K, D)
        rest = y_pred[:, K + K * D :]
        if cov_type == "full":
            diagonal = softplus(rest[:, : K * D].reshape(B, K, D)) + 1e-3
            rows, cols = torch.tril_indices(D, D, -1)
            scale = torch.diag_embed(diagonal)
            off = torch.zeros(B, K, D, D)
            off[:, :, rows, cols] = rest[:, K * D :].reshape(B, K, -1)
            scale = scale + off
        else:
            scale = softplus(rest.reshape(B, K, D)) + 1e-3
        loss = -mixture(logits, means, scale).log_prob(y_true).mean()
        torch.autograd.grad(loss, [y_pred])

    return step


step = {"nll": nll_step, "layer": layer_step, "mdn": mdn_step}[kind]()
for _ in range(2):
    step()
times = []
start = time.perf_counter()
while len(times) < reps or (time.perf_counter() - start < 1.0 and len(times) < 50):
    t0 = time.perf_counter()
    step()
    times.append(1000 * (time.perf_counter() - t0))
print(json.dumps({"ms": float(np.median(times)), "version": torch.__version__, "threads": torch.get_num_threads()}))
