"""Networks for real data: P2's MLP and CNN, any ``torch.nn.Module`` from a factory, as seeded
ensembles trained with minibatches (docs/realdata.md).

* ``p2_mlp``: flatten → ``width`` × ``depth`` hidden layers (ReLU) → classes (P2: 784 → 512 ×4 → 10);
* ``p2_cnn``: three 3×3 stride-2 convolutions (32, 64, 96 channels, no padding, ReLU) → ``hidden``
  (ReLU) → classes (P2: 384 features on 28×28, 864 on 32×32);
* ``factory``: ``"package.module:function"`` called as ``function(in_shape=(C, H, W), classes=K,
  **kwargs)`` and returning an ``nn.Module`` that maps (batch, C, H, W) to (batch, K).

Every member is built under ``torch.manual_seed(seed)`` with PyTorch's default initialisation, so
a member is the same net whichever job rebuilds it.  Members without buffers are trained together:
their parameters stacked (``torch.func.stack_module_state``) and the net applied by
``functional_call`` under ``vmap``, each member with its own seeded minibatches; a module with
buffers (batch norm) is trained member by member with the same code.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import logging
import math
import time

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

log = logging.getLogger(__name__)


class ModelError(ValueError):
    """A model the config names that cannot be built or does not fit the data."""


def p2_mlp(in_shape, classes: int, width: int = 512, depth: int = 4) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    fan_in = int(np.prod(in_shape))
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), nn.ReLU()]
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(fan_in, classes))


def p2_cnn(in_shape, classes: int, channels=(32, 64, 96), hidden: int = 256) -> nn.Module:
    convs: list[nn.Module] = []
    c, h, w = in_shape
    for out in channels:
        h, w = (h - 3) // 2 + 1, (w - 3) // 2 + 1
        if h < 1 or w < 1:
            raise ModelError(f"a {in_shape[1]}×{in_shape[2]} image is too small for {len(channels)} "
                             f"3×3 stride-2 convolutions")
        convs += [nn.Conv2d(c, out, 3, stride=2), nn.ReLU()]
        c = out
    return nn.Sequential(*convs, nn.Flatten(), nn.Linear(c * h * w, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def factory(path: str):
    """The function a ``"package.module:function"`` path names."""
    module, sep, name = path.partition(":")
    if not sep or not module or not name:
        raise ModelError(f"{path!r} is not of the form 'package.module:function'")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ModelError(f"cannot import {path!r} ({type(exc).__name__}: {exc}); is its package on PYTHONPATH?") from None
    if not callable(fn):
        raise ModelError(f"{path!r} is not callable")
    return fn


def build(model: dict, in_shape, classes: int, seed: int) -> nn.Module:
    """One member (``model``: the validated ``model`` section), seeded."""
    torch.manual_seed(seed)
    kind = model["kind"]
    if kind == "p2_mlp":
        net = p2_mlp(in_shape, classes, model["width"], model["depth"])
    elif kind == "p2_cnn":
        net = p2_cnn(in_shape, classes, tuple(model["channels"]), model["hidden"])
    else:
        net = factory(model["factory"])(in_shape=tuple(in_shape), classes=classes, **model.get("kwargs", {}))
        if not isinstance(net, nn.Module):
            raise ModelError(f"{model['factory']!r} returned a {type(net).__name__}, not a torch.nn.Module")
    return net


def check(model: dict, in_shape, classes: int) -> int:
    """Build a member and run two zero images through it; the output must be (2, classes).  Returns
    the parameter count (pre-flight: before any job)."""
    net = build(model, in_shape, classes, 0)
    try:
        with torch.no_grad():
            out = net(torch.zeros(2, *in_shape))
    except Exception as exc:  # noqa: BLE001 - the user's module
        raise ModelError(f"the model fails on a batch of {tuple(in_shape)} images ({type(exc).__name__}: {exc})") from None
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, classes):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ModelError(f"the model maps 2 images {tuple(in_shape)} to {shape}, not (2, {classes}) for the {classes} classes")
    return sum(p.numel() for p in net.parameters())


class Ensemble:
    """Members of one architecture with their parameters stacked along a leading run axis."""

    def __init__(self, model: dict, in_shape, classes: int, seeds, device="cpu", dtype=torch.float32):
        members = [build(model, in_shape, classes, int(s)).to(device=device, dtype=dtype) for s in seeds]
        self.seeds = [int(s) for s in seeds]
        self.classes = classes
        self.skeleton = copy.deepcopy(members[0])
        self.vectorised = not any(True for _ in self.skeleton.buffers())
        params, buffers = stack_module_state(members)
        self.params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
        self.buffers = buffers

    @property
    def runs(self) -> int:
        return len(self.seeds)

    def member(self, r: int) -> dict:
        """Run ``r``'s parameters and buffers (for ``functional_call`` on :attr:`skeleton`)."""
        return {**{k: v[r] for k, v in self.params.items()}, **{k: v[r] for k, v in self.buffers.items()}}

    def forward(self, x: torch.Tensor, shared: bool = True) -> torch.Tensor:
        """Outputs (R, batch, classes); ``x`` (batch, ...) for every member or (R, batch, ...) if not ``shared``."""
        if self.vectorised:
            def one(p, xb):
                return functional_call(self.skeleton, p, (xb,))
            return vmap(one, in_dims=(0, None if shared else 0))(self.params, x)
        return torch.stack([functional_call(self.skeleton, self.member(r), (x if shared else x[r],))
                            for r in range(self.runs)])

    @contextlib.contextmanager
    def evaluating(self):
        """Measurements see the nets in eval mode (batch norm on its running statistics, no dropout),
        so each input's value does not depend on the others in its block; training mode after."""
        was = self.skeleton.training
        self.skeleton.eval()
        try:
            yield
        finally:
            self.skeleton.train(was)

    def outputs(self, x: torch.Tensor, block: int = 1024) -> torch.Tensor:
        """Outputs on ``x`` without gradients, in blocks, in eval mode: (R, n, classes)."""
        with torch.no_grad(), self.evaluating():
            return torch.cat([self.forward(x[i : i + block]) for i in range(0, len(x), block)], dim=1)


def loss_per_run(out: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor:
    """Mean loss over the batch, per run: (R,).  ``cross_entropy`` on logits; ``mse`` is
    ½ Σ_classes (f − one-hot)² (the scale of :mod:`specbias.probes`' linearised prediction)."""
    if loss == "cross_entropy":
        R, B, C = out.shape
        return nn.functional.cross_entropy(out.reshape(R * B, C), target.reshape(R * B), reduction="none").view(R, B).mean(1)
    onehot = nn.functional.one_hot(target, out.shape[-1]).to(out.dtype)
    return 0.5 * ((out - onehot) ** 2).sum(-1).mean(-1)


def record_epochs(epochs: int, count: int, spacing: str = "log") -> np.ndarray:
    """Epochs at which measurements are taken: 0, ``epochs`` and ``count`` in between (log-spaced
    by default, so the early epochs where most is learned are resolved)."""
    if spacing == "linear":
        e = np.linspace(0, epochs, count)
    else:
        e = np.concatenate([[0], np.geomspace(1, epochs, max(count - 1, 1))])
    return np.unique(np.round(e).astype(int))


def batches(n: int, batch: int, seeds, epoch: int) -> list[np.ndarray]:
    """Minibatch indices of one epoch, per member (R, batch) arrays: each member shuffles with its own
    generator seeded by (seed, epoch), so a rerun or a member trained alone sees the same batches."""
    perms = np.stack([np.random.default_rng([s, epoch]).permutation(n) for s in seeds])
    return [perms[:, i : i + batch] for i in range(0, n, batch)]


def train(ens: Ensemble, x: torch.Tensor, target: torch.Tensor, cfg: dict, record, on_record) -> dict:
    """Train every member on (x, target) with ``cfg`` (the ``train`` section) and call
    ``on_record(epoch)`` at each of ``record`` (epoch 0 is before any step).  Returns per-run
    diverged epoch (−1 if none) and the loss per epoch."""
    opt_cls = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[cfg["optimizer"]]
    opt = opt_cls(list(ens.params.values()), lr=cfg["lr"])
    record = set(int(e) for e in record)
    diverged = np.full(ens.runs, -1)
    losses = np.full((cfg["epochs"] + 1, ens.runs), np.nan)
    start, n = time.perf_counter(), len(x)
    if 0 in record:
        on_record(0)
    for epoch in range(1, cfg["epochs"] + 1):
        total = torch.zeros(ens.runs, dtype=x.dtype, device=x.device)
        for idx in batches(n, cfg["batch"], ens.seeds, epoch):
            idx = torch.as_tensor(idx, device=x.device)
            out = ens.forward(x[idx], shared=False)
            per_run = loss_per_run(out, target[idx], cfg["loss"])
            opt.zero_grad(set_to_none=True)
            per_run.sum().backward()  # members share no parameter: each gets its own gradient
            opt.step()
            total += per_run.detach() * idx.shape[1]
        losses[epoch] = (total / n).cpu().numpy()
        bad = ~np.isfinite(losses[epoch]) & (diverged < 0)
        diverged[bad] = epoch
        if epoch in record:
            on_record(epoch)
        _progress(epoch, cfg["epochs"], start, losses[epoch])
    return {"diverged_epoch": diverged, "loss": losses}


def _progress(epoch: int, epochs: int, start: float, loss: np.ndarray) -> None:
    every = max(1, epochs // 10)
    if epoch % every and epoch != epochs:
        return
    rate = epoch / max(time.perf_counter() - start, 1e-9)
    left = (epochs - epoch) / rate
    finite = loss[np.isfinite(loss)]
    med = f"{np.median(finite):.4g}" if finite.size else "nan"
    log.info(f"epoch {epoch}/{epochs} ({rate:.2f} epochs/s, ~{math.ceil(left)} s left): median loss {med}")
