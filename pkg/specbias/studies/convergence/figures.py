"""Figures of the convergence study: convergence step vs kappa, the residual heatmap, the NTK
spectrum on the circle, per-region convergence, NTK eigenvectors on S^2."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...figures import label, plot_recorded, plt
from ... import activations
from ...analysis import law_ratios
from ...common import STATUS
from ...io import config_of
from . import Convergence


def own_frequency_decay(spectra: list[xr.Dataset], var: str = "residual_spectrum") -> xr.DataArray:
    """Residual amplitude (``var``) at each run's own κ over steps, relative to step 0; median over seeds.

    Returns (kappa, step)."""
    rows = []
    for ds in sorted(spectra, key=lambda d: int(d.kappa)):
        amp = ds[var].sel(frequency=int(ds.kappa))
        rows.append((amp / amp.isel(step=0)).median("seed", skipna=True))
    out = xr.concat(rows, dim="kappa")
    out = out.assign_coords(kappa=[int(d.kappa) for d in sorted(spectra, key=lambda d: int(d.kappa))])
    out.attrs.update(long_name="residual amplitude at kappa / initial", units="1")
    return out


def heatmap(trains: list[xr.Dataset], predicts: list[xr.Dataset], cmap: str = "magma"):
    """Frequency × step: measured (left) beside the linearised prediction from the analytic NTK, and,
    where the kernel records cover every input, the prediction from the nets' own kernel at step 0."""
    meas, pred = own_frequency_decay(trains), own_frequency_decay(predicts)
    panels = [(meas, "trained networks (median over seeds)"), (pred, "linearised prediction, analytic NTK")]
    if all("kernel_predicted_spectrum" in t for t in trains):
        panels.append((own_frequency_decay(trains, "kernel_predicted_spectrum"), "prediction from the nets' own NTK at step 0"))
    steps = meas.step.values
    x_edges = _log_edges(steps)
    k = meas.kappa.values
    y_edges = np.concatenate([[k[0] - 0.5], (k[1:] + k[:-1]) / 2, [k[-1] + 0.5]]) if len(k) > 1 else np.array([k[0] - 0.5, k[0] + 0.5])
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), sharey=True, constrained_layout=True)
    for ax, (da, title) in zip(axes, panels):
        mesh = ax.pcolormesh(x_edges, y_edges, np.clip(da.values, 0, 1.2), cmap=cmap, vmin=0, vmax=1, shading="flat")
        ax.set_xscale("log")
        ax.set_xlabel(f"{label(trains[0].step)} + 1")
        ax.set_title(title)
    axes[0].set_ylabel("target frequency kappa [cycles per 2 pi]")
    fig.colorbar(mesh, ax=axes, label=meas.attrs["long_name"])
    fig.suptitle("Residual at the target frequency over training (low frequencies are learned first)")
    return fig


def kernel(trains: list[xr.Dataset]):
    """The nets' empirical NTK over training, one line per κ (median over seeds): (a) relative change,
    (b) kernel-target alignment, (c) share of the residual's energy on the kernel's top modes,
    (d) with every input in the probe, the gap between the measured residual and the prediction from
    the step-0 kernel (solid) and the re-linearised one (dashed)."""
    trains = sorted(trains, key=lambda d: int(d.kappa))
    predicts = all("kernel_prediction_error" in t for t in trains)
    fig, axes = plt.subplots(1, 4 if predicts else 3, figsize=(17 if predicts else 13, 3.9), constrained_layout=True)
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(trains)))
    for c, t in zip(colours, trains):
        t = t.isel(step=slice(1, None))  # step 0: no change and no gap (log axes)
        lab = f"kappa = {int(t.kappa)}"
        plot_recorded(axes[0], t.kernel_change, color=c, label=lab)
        plot_recorded(axes[1], t.kernel_alignment, color=c, label=lab)
        plot_recorded(axes[2], t.kernel_residual_energy.isel(kernel_mode=-1), color=c, label=lab)
        if predicts:
            plot_recorded(axes[3], t.kernel_prediction_error, "-", color=c, label=lab)
            plot_recorded(axes[3], t.kernel_relinearised_error, "--", color=c, lw=0.9)
    modes = trains[0].sizes["kernel_mode"]
    titles = ["(a) ||K_t - K_0||_F / ||K_0||_F", "(b) kernel-target alignment", f"(c) residual energy on the top {modes} modes"]
    if predicts:
        titles.append("(d) ||r_t - r_pred|| / ||r_0||: from K_0 (solid), re-linearised (dashed)")
    for ax, title in zip(axes, titles):
        ax.set_xscale("log")
        ax.set_xlabel(label(trains[0].step))
        ax.set_title(title, fontsize=9)
    for ax in (axes[0], *(axes[3:] if predicts else [])):
        ax.set_yscale("log")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"The nets' empirical NTK on {trains[0].sizes['probe']} probe points, over training", fontsize=10)
    return fig


def _log_edges(steps: np.ndarray) -> np.ndarray:
    s = np.asarray(steps, dtype=np.float64) + 1.0
    mids = np.sqrt(s[1:] * s[:-1])
    return np.concatenate([[s[0] / np.sqrt(s[1] / s[0])], mids, [s[-1] * np.sqrt(s[-1] / s[-2])]])


def steps(conv: xr.Dataset):
    """Convergence step vs κ (log-log): every run, the median prediction and the fits the analysis
    stored; odd κ marked with triangles (bias-free nets, F10), runs not converged by the last step
    drawn at it (open markers), diverged runs as crosses.  The entry's model and data settings are
    read from the analysis file's config."""
    study = config_of(conv)  # the analysis job's meta: analysis, model, data and max_steps
    stored = Convergence.typed({"model": study["model"], "data": study["data"]})  # keys the file lacks raise when read
    model, data = stored.model, stored.data
    fig, ax = plt.subplots(figsize=(6.2, 4.6), constrained_layout=True)
    k, s = xr.broadcast(conv.kappa, conv.measured_step)
    k, s = k.values.reshape(-1), s.values.reshape(-1).astype(float)
    status = conv.status.values.reshape(-1)
    ok = status == STATUS["converged"]
    odd = k % 2 == 1
    ax.scatter(k[ok & ~odd], s[ok & ~odd], s=14, alpha=0.6, color="C0", label="trained nets (each run)")
    if (ok & odd).any():
        ax.scatter(k[ok & odd], s[ok & odd], s=20, alpha=0.6, color="C0", marker="^", label="trained nets, odd kappa")
    top = study["max_steps"]
    never = status == STATUS["not_converged"]
    if never.any():
        ax.scatter(k[never], np.full(never.sum(), top), marker="v", facecolors="none", edgecolors="C0",
                   label=f"not converged by step {top}")
    div = status == STATUS["diverged"]
    if div.any():
        ax.scatter(k[div], np.full(div.sum(), top), marker="x", color="red", label="diverged (excluded)")
    pred_med = conv.predicted_step.where(conv.predicted_step > 0).median("run")
    ax.plot(conv.kappa, pred_med, "s--", color="C1", ms=4, label="linearised NTK prediction (median)")
    if "measured_slope" in conv.attrs:
        slope, (lo, hi) = conv.attrs["measured_slope"], conv.attrs["measured_slope_ci"]
        kk = np.geomspace(max(conv.attrs["fit_kappa_min"], conv.kappa.min()), conv.kappa.max(), 50)
        ax.plot(kk, np.exp(conv.attrs["measured_intercept"]) * kk**slope, color="C0",
                label=f"fit (kappa >= {conv.attrs['fit_kappa_min']}): slope {slope:.2f} [{lo:.2f}, {hi:.2f}]")
    if "predicted_slope" in conv.attrs:
        ax.plot([], [], " ", label=f"prediction slope {conv.attrs['predicted_slope']:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label(conv.kappa))
    ax.set_ylabel("convergence step [GD steps]")
    where = "S1" if data.domain == "circle" else f"S{data.dim - 1}"
    dens = data.density["kind"] + (f" ratio {data.density['ratio']:g}" if data.density["kind"] == "hemispheres" else "")
    act = activations.describe(model.activation)
    net = f"depth-{model.depth} {act} net, width {model.width}" if model.kind == "deep" else \
        f"two-layer {act} net, width {model.width}, {'with' if model.bias else 'no'} bias"
    ax.set_title(f"Convergence time vs frequency on {where} ({dens}): {net}", fontsize=9)
    ax.legend(fontsize=7)
    ax.text(0.01, 0.01, conv.attrs["criterion"], transform=ax.transAxes, fontsize=6, color="0.4")
    return fig


def ntk_spectrum(ntk: xr.Dataset, conv: xr.Dataset):
    """Operator eigenvalues (FFT on a grid) and Gram eigenvalues/n by dominant frequency vs the
    closed form; the large-k fit (claim C3) as stored by the analysis."""
    bias = bool(Convergence.typed({"model": config_of(ntk)["model"]}).model.bias)
    fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    q = ntk.frequency.values
    # Beyond about a quarter of the grid, aliasing of the kernel's tail lifts the FFT values.
    pos = (q >= 1) & (q <= q.max() // 2)
    grid = ntk.operator_eigenvalue.values
    ax.loglog(q[pos], np.abs(grid[pos]), "-", lw=1.2, label="operator eigenvalue (circulant FFT)")
    closed = ntk.closed_form_eigenvalue.values
    nz = (q >= 1) & (q <= q.max() // 2) & (closed > 0)
    ax.loglog(q[nz], closed[nz], "o", ms=2.5, mfc="none", label="closed form (docs/methods.md §3, network convention)")
    n = ntk.sizes["sample"]
    dom = ntk.dominant_frequency.values
    ev = ntk.eigenvalue.values / n
    m = (dom >= 1) & (ev > 0) & (dom <= q.max())
    ax.loglog(dom[m], ev[m], ".", ms=3, alpha=0.5, label=f"Gram eigenvalue / n on the {n} samples")
    if "eigen_slope" in conv.attrs:
        lo, hi = conv.attrs["eigen_fit_range"]
        sel = (q >= lo) & (q <= hi)
        slope = conv.attrs["eigen_slope"]
        ax.loglog(q[sel], np.exp(conv.attrs["eigen_intercept"]) * q[sel] ** slope, "k--", lw=1,
                  label=f"fit k in [{lo}, {hi}]: slope {slope:.3f}")
    ax.set_xlabel(label(ntk.frequency))
    ax.set_ylabel("eigenvalue")
    ax.set_title("Two-layer NTK spectrum on S1" + (" (with bias)" if bias else " (no bias)"))
    ax.legend(fontsize=8)
    return fig


def region_convergence(conv: xr.Dataset, law: xr.Dataset | None = None):
    """Per-region convergence step vs κ, measured (dots) and predicted (lines) (P1 F7); with a
    region-law file, a second panel: the NTK-predicted time ratios against the criterion's δ."""
    fig, axes = plt.subplots(1, 2 if law is not None else 1, figsize=(12 if law is not None else 6, 4.5),
                             constrained_layout=True, squeeze=False)
    ax = axes[0, 0]
    p = conv.region_density.values
    for j in np.argsort(-p):
        meas = conv.region_measured_step.isel(region_index=j)
        k, v = xr.broadcast(conv.kappa, meas)
        m = v.values > 0
        ax.scatter(k.values[m], v.values[m], s=12, color=f"C{j}", alpha=0.7, label=f"region {j}, p = {p[j]:.3f}: trained")
        pred = conv.region_predicted_step.isel(region_index=j).where(lambda d: d > 0).median("run")
        ax.plot(conv.kappa, pred, "--", color=f"C{j}", lw=1, label=f"region {j}: linearised NTK")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label(conv.kappa))
    ax.set_ylabel("per-region convergence step [GD steps]")
    order = np.argsort(-p)
    meas = conv.region_time_ratio_measured.values  # median t_j / t_densest, as claim C5 reports it
    pred = conv.region_time_ratio_predicted.values
    fmt = lambda v: " : ".join(f"{x:.2f}" for x in v[order])  # noqa: E731
    ax.set_title("Time to learn sin(kappa theta) per region (theory: kappa^2 / p)\n"
                 f"median ratio dense->sparse: trained {fmt(meas)}, NTK {fmt(pred)}, theory {fmt(p.max() / p)}",
                 fontsize=9)
    ax.legend(fontsize=7)
    if law is not None:
        ax = axes[0, 1]
        lr = law_ratios(law)
        f = lr.delta_factor.values
        for j in order[1:]:
            c = f"C{j}"
            ax.plot(f, lr.ratio.isel(region_index=j), "o-", color=c, label=f"region {j}: NTK, median over samples and kappa")
            ax.fill_between(f, lr.ratio_q1.isel(region_index=j), lr.ratio_q3.isel(region_index=j), color=c, alpha=0.2)
            ax.axhline(p.max() / p[j], color=c, ls=":", lw=1)
            ax.plot([1.0], [meas[j]], "*", color=c, ms=12, mec="k", label=f"region {j}: trained nets at the configured delta")
        ax.set_xscale("log")
        ax.set(xlabel="criterion threshold delta / configured delta", ylabel="t_j / t_densest",
               title=f"region time ratios vs the criterion's delta ({law.sizes['data_seed']} point samples, "
                     "band: quartiles over samples;\ndotted: p_densest / p_j)")
        ax.title.set_fontsize(9)
        ax.legend(fontsize=7)
    return fig


def sphere_eigenfunctions(points: xr.Dataset, modes=(1, 4, 9, 16, 25, 36)):
    """Eigenvectors of the NTK Gram matrix on S² samples (an NTK file: points and eigenpairs), on a
    longitude/latitude map (F8)."""
    x = points.x.values
    lon = np.degrees(np.arctan2(x[:, 1], x[:, 0]))
    lat = np.degrees(np.arcsin(np.clip(x[:, 2], -1, 1)))
    modes = [m for m in modes if m < points.sizes["mode"]]
    fig, axes = plt.subplots(2, (len(modes) + 1) // 2, figsize=(11, 5.2), constrained_layout=True, squeeze=False)
    for ax, m in zip(axes.flat, modes):
        v = points.eigenvector.values[:, m]
        lim = np.max(np.abs(v))
        sc = ax.scatter(lon, lat, c=v, s=6, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"mode {m} (eigenvalue {points.eigenvalue.values[m]:.3g})", fontsize=8)
        ax.set_xlim(-180, 180)
        ax.set_ylim(-90, 90)
        ax.axhline(0, color="0.5", lw=0.5)
        ax.set_xlabel("longitude [deg]", fontsize=7)
        ax.set_ylabel("latitude [deg]", fontsize=7)
        fig.colorbar(sc, ax=ax, shrink=0.8)
    for ax in list(axes.flat)[len(modes):]:
        ax.axis("off")
    fig.suptitle(f"NTK eigenvectors on {points.sizes['sample']} points of S2; dense half: latitude > 0", fontsize=10)
    return fig
