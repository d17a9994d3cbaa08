"""Figures: a dataset in, a matplotlib figure out.  Axis labels come from the NetCDF attrs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from .analysis import fit_power_law  # noqa: E402
from .io import STATUS  # noqa: E402
from .ntk import two_layer_ntk_cosine_coefficients, uniform_operator_eigenvalues  # noqa: E402


def label(da: xr.DataArray) -> str:
    units = da.attrs.get("units", "")
    name = da.attrs.get("long_name", da.name)
    return f"{name} [{units}]" if units and units != "1" else str(name)


def save(fig, stem: str | Path, formats=("png", "pdf"), dpi: int = 150) -> list[Path]:
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        out.append(path)
    plt.close(fig)
    return out


def own_frequency_decay(spectra: list[xr.Dataset]) -> xr.DataArray:
    """Residual amplitude at each run's own κ over steps, relative to step 0; median over seeds.

    Returns (kappa, step)."""
    rows = []
    for ds in sorted(spectra, key=lambda d: int(d.kappa)):
        amp = ds.residual_spectrum.sel(frequency=int(ds.kappa))
        rows.append((amp / amp.isel(step=0)).median("seed", skipna=True))
    out = xr.concat(rows, dim="kappa")
    out = out.assign_coords(kappa=[int(d.kappa) for d in sorted(spectra, key=lambda d: int(d.kappa))])
    out.attrs.update(long_name="residual amplitude at kappa / initial", units="1")
    return out


def heatmap(trains: list[xr.Dataset], predicts: list[xr.Dataset], cmap: str = "magma"):
    """Frequency × step: measured (left) beside the linearised-NTK prediction (right)."""
    meas, pred = own_frequency_decay(trains), own_frequency_decay(predicts)
    steps = meas.step.values
    x_edges = _log_edges(steps)
    k = meas.kappa.values
    y_edges = np.concatenate([[k[0] - 0.5], (k[1:] + k[:-1]) / 2, [k[-1] + 0.5]]) if len(k) > 1 else np.array([k[0] - 0.5, k[0] + 0.5])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, constrained_layout=True)
    for ax, da, title in zip(axes, (meas, pred), ("trained networks (median over seeds)", "linearised NTK prediction")):
        mesh = ax.pcolormesh(x_edges, y_edges, np.clip(da.values, 0, 1.2), cmap=cmap, vmin=0, vmax=1, shading="flat")
        ax.set_xscale("log")
        ax.set_xlabel(f"{label(trains[0].step)} + 1")
        ax.set_title(title)
    axes[0].set_ylabel("target frequency kappa [cycles per 2 pi]")
    fig.colorbar(mesh, ax=axes, label=meas.attrs["long_name"])
    fig.suptitle("Residual at the target frequency over training (low frequencies are learned first)")
    return fig


def _log_edges(steps: np.ndarray) -> np.ndarray:
    s = np.asarray(steps, dtype=np.float64) + 1.0
    mids = np.sqrt(s[1:] * s[:-1])
    return np.concatenate([[s[0] / np.sqrt(s[1] / s[0])], mids, [s[-1] * np.sqrt(s[-1] / s[-2])]])


def convergence(conv: xr.Dataset, fit_kappa_min: int = 1):
    """Convergence step vs κ (log-log), measured seeds, predicted, fitted slopes."""
    fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    k, s = xr.broadcast(conv.kappa, conv.measured_step)
    ok = (conv.status == STATUS["converged"]).values
    ax.scatter(k.values[ok], s.values[ok], s=14, alpha=0.6, label="trained nets (each run)")
    div = (conv.status == STATUS["diverged"]).values
    if div.any():
        ax.scatter(k.values[div], np.full(div.sum(), np.nanmax(s.values[ok]) if ok.any() else 1), marker="x", color="red", label="diverged (excluded)")
    pk, ps = xr.broadcast(conv.kappa, conv.predicted_step)
    pm = ps.values > 0
    pred_med = conv.predicted_step.where(conv.predicted_step > 0).median("run")
    ax.plot(conv.kappa, pred_med, "s--", color="C1", ms=4, label="linearised NTK prediction (median)")
    sel = (k.values >= fit_kappa_min) & ok
    if len(np.unique(k.values[sel])) >= 2:
        fit = fit_power_law(k.values[sel], s.values[sel])
        kk = np.geomspace(max(fit_kappa_min, conv.kappa.min()), conv.kappa.max(), 50)
        ax.plot(kk, np.exp(fit.intercept) * kk**fit.slope, color="C0", label=f"fit: slope {fit.slope:.2f} [{fit.ci_low:.2f}, {fit.ci_high:.2f}]")
    sel_p = (pk.values >= fit_kappa_min) & pm
    if len(np.unique(pk.values[sel_p])) >= 2:
        pfit = fit_power_law(pk.values[sel_p], ps.values[sel_p])
        ax.plot([], [], " ", label=f"prediction slope {pfit.slope:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label(conv.kappa))
    ax.set_ylabel("convergence step [GD steps]")
    ax.set_title("Convergence time vs frequency (theory: slope 2 on S1)")
    ax.legend(fontsize=8)
    ax.text(0.01, 0.01, conv.attrs["criterion"], transform=ax.transAxes, fontsize=7, color="0.4")
    return fig


def ntk_spectrum(ntk: xr.Dataset, bias: bool, fit_range=None):
    """Operator eigenvalues (FFT on a grid) and Gram eigenvalues/n by dominant frequency vs the closed form."""
    fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    q = ntk.frequency.values
    # Beyond about a quarter of the grid, aliasing of the kernel's tail lifts the FFT values.
    pos = (q >= 1) & (q <= q.max() // 2)
    grid = ntk.operator_eigenvalue.values
    ax.loglog(q[pos], np.abs(grid[pos]), "-", lw=1.2, label="operator eigenvalue (circulant FFT)")
    closed = uniform_operator_eigenvalues(q, two_layer_ntk_cosine_coefficients(q, bias))
    nz = (q >= 1) & (q <= q.max() // 2) & (closed > 0)
    ax.loglog(q[nz], closed[nz], "o", ms=2.5, mfc="none", label="closed form (docs/methods.md §3, network convention)")
    n = ntk.sizes["sample"]
    dom = ntk.dominant_frequency.values
    ev = ntk.eigenvalue.values / n
    m = (dom >= 1) & (ev > 0) & (dom <= q.max())
    ax.loglog(dom[m], ev[m], ".", ms=3, alpha=0.5, label=f"Gram eigenvalue / n on the {n} samples")
    if fit_range is not None:
        lo, hi = fit_range
        sel = (q >= lo) & (q <= hi) & (grid > 0)
        fit = fit_power_law(q[sel], grid[sel])
        ax.loglog(q[sel], np.exp(fit.intercept) * q[sel] ** fit.slope, "k--", lw=1, label=f"fit k in [{lo}, {hi}]: slope {fit.slope:.3f}")
    ax.set_xlabel(label(ntk.frequency))
    ax.set_ylabel("eigenvalue")
    ax.set_title("Two-layer NTK spectrum on S1" + (" (with bias)" if bias else " (no bias)"))
    ax.legend(fontsize=8)
    return fig


def _shade_regions(ax, spec: xr.Dataset):
    p = spec.region_density.values
    for j in range(spec.sizes["region_index"]):
        ax.axvspan(spec.region_start.values[j], spec.region_end.values[j], color=f"C{j}", alpha=0.07 + 0.25 * p[j] / p.max(), lw=0)


def eigenfunctions(spec: xr.Dataset, show_q=(3, 10, 20)):
    """Eigenfunctions under the density (P1 F2, F5, F13), regions shaded by density."""
    show = [q for q in show_q if q <= spec.frequency_index.max()]
    fig, axes = plt.subplots(len(show) + 1, 1, figsize=(9, 1.9 * (len(show) + 1)), sharex=True, constrained_layout=True)
    th = spec.theta.values
    axes[0].plot(th, spec.density.values, color="k")
    axes[0].set_ylabel(label(spec.density))
    _shade_regions(axes[0], spec)
    for ax, q in zip(axes[1:], show):
        mode = int(np.nonzero(spec.frequency_index.values == q)[0][0])
        ax.plot(th, spec.eigenfunction.values[:, mode], lw=0.9)
        _shade_regions(ax, spec)
        ax.set_ylabel(f"q = {q}")
    axes[-1].set_xlabel(label(spec.theta))
    fig.suptitle(f"NTK eigenfunctions under {spec.attrs['density']}: faster and smaller where p is larger")
    return fig


def local_frequency(spec: xr.Dataset, q_min: int = 1):
    """Measured local angular frequency vs q √p_j / Z, per region (P1 F3)."""
    fig, ax = plt.subplots(figsize=(5.5, 5), constrained_layout=True)
    q = spec.frequency_index.values
    sel = q >= q_min
    for j in range(spec.sizes["region_index"]):
        ax.plot(spec.predicted_local_frequency.values[sel, j], spec.local_frequency.values[sel, j], ".", ms=4,
                color=f"C{j}", label=f"region {j}: p = {spec.region_density.values[j]:.3f}")
    top = np.nanmax(spec.predicted_local_frequency.values[sel])
    ax.plot([0, top], [0, top], "k--", lw=1, label="theory q sqrt(p_j)/Z")
    ax.set_xlabel(label(spec.predicted_local_frequency))
    ax.set_ylabel(label(spec.local_frequency))
    q20 = np.nonzero(q == 20)[0]
    ours = ""
    if q20.size:
        ours = ("\nq = 20, ours: " + "/".join(f"{v:.2f}" for v in spec.local_frequency.values[q20[0]])
                + " vs theory " + "/".join(f"{v:.2f}" for v in spec.predicted_local_frequency.values[q20[0]]))
    ax.set_title("Local frequency of NTK eigenfunctions follows sqrt(p)" + ours, fontsize=10)
    ax.legend(fontsize=8)
    return fig


def eigenvalue_law(specs: dict):
    """λ_q q²/Z² vs q for several densities (P1 F4): flat at 1/π."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    for i, (name, spec) in enumerate(specs.items()):
        q = spec.frequency_index.values
        sel = q >= 1
        tail = spec.eigenvalue_law.values[q >= 20]
        med = f", median q>=20: {np.median(tail):.4f}" if tail.size else ""
        ax.plot(q[sel], spec.eigenvalue_law.values[sel], ".", ms=3, color=f"C{i}", label=f"{name}: {spec.attrs['density']}{med}")
    ax.axhline(1 / np.pi, color="k", ls="--", lw=1, label="1/pi (docs/methods.md §4)")
    ax.axhline(1 / np.pi**2, color="0.5", ls=":", lw=1, label="1/pi^2 (P1 eq. 20 constant)")
    ax.set_xscale("log")
    ax.set_xlabel("eigenfunction index q")
    ax.set_ylabel("lambda_q q^2 / Z^2")
    ax.set_title("NTK eigenvalues under non-uniform densities follow Z^2/q^2")
    ax.legend(fontsize=7)
    return fig


def projection(spec: xr.Dataset):
    """|⟨target, f_k⟩_p| vs mode, with the predicted peaks 2q_j, q_j = κZ/√p_j (P1 F6)."""
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    ax.plot(spec.mode.values, np.abs(spec.projection.values), ".-", ms=3, lw=0.6)
    for j, qj in enumerate(spec.predicted_peak.values):
        if np.isfinite(qj):
            ax.axvline(2 * qj, color=f"C{j + 1}", ls="--", lw=1, label=f"predicted, region {j} (p = {spec.region_density.values[j]:.3f}): mode {2 * qj:.1f}")
    ax.set_xlabel("mode (eigenfunction index q = mode/2)")
    ax.set_ylabel("|" + spec.projection.attrs["long_name"] + "|")
    ax.set_title(f"Target projected on the eigenfunctions ({spec.attrs['density']})")
    ax.legend(fontsize=7)
    return fig


def region_convergence(conv: xr.Dataset, law: xr.Dataset | None = None):
    """Per-region convergence step vs κ, measured (dots) and predicted (lines) (P1 F7); with a
    region-law file, a second panel: the NTK-predicted time ratios against the criterion's δ."""
    from .analysis import law_ratios, region_time_ratios

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
    meas = region_time_ratios(conv.region_measured_step.values, p)
    pred = region_time_ratios(conv.region_predicted_step.values, p)
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


def depth_spectrum(spec: xr.Dataset):
    """λ_k / λ_0 vs k for each depth (P1 F12), numerically zero eigenvalues left out."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    from .deep import nonzero_degrees

    k = spec.degree.values
    for i, d in enumerate(spec.depth.values):
        lam = spec.eigenvalue.sel(depth=d).values
        keep = np.zeros(len(k), dtype=bool)
        keep[nonzero_degrees(lam)] = True
        keep &= (k >= 1) & (lam > 0)
        ax.loglog(k[keep], lam[keep] / lam[0], ".", ms=2, color=f"C{i}", label=f"depth {int(d)}")
    ax.set_xlabel(label(spec.degree))
    ax.set_ylabel("eigenvalue / eigenvalue at degree 0")
    ax.set_title(f"Deep ReLU NTK spectrum on {spec.attrs['sphere']}: deeper is flatter at low degree")
    ax.legend(fontsize=8)
    return fig


def steps_vs_degree(conv: xr.Dataset, study: dict):
    """Convergence step vs target degree (log-log): measured runs, linearised prediction, fits;
    per hemisphere when the density has two (F9), odd degrees marked (F10), deep nets (F11)."""
    fig, ax = plt.subplots(figsize=(6.2, 4.6), constrained_layout=True)
    k = conv.degree.values
    model, data = study["model"], study["data"]
    fit_min = study["analysis"]["fit_degree_min"]

    def draw(meas, pred, color, name):
        seeds = meas.shape[1]
        kk = np.repeat(k, seeds)
        m = meas.reshape(-1).astype(float)
        ok = m > 0
        odd = (kk % 2 == 1)
        ax.scatter(kk[ok & ~odd], m[ok & ~odd], s=16, color=color, alpha=0.7, label=f"{name}: trained (even k)")
        ax.scatter(kk[ok & odd], m[ok & odd], s=22, color=color, marker="^", alpha=0.7, label=f"{name}: trained (odd k)")
        never = ~ok & (conv.status.values.reshape(-1) != STATUS["diverged"])
        if never.any():
            top = study["train"]["max_steps"]
            ax.scatter(kk[never], np.full(never.sum(), top), marker="v", facecolors="none", edgecolors=color,
                       label=f"{name}: not converged by step {top}")
        p = np.where(pred > 0, pred, np.nan).astype(float)
        with np.errstate(all="ignore"):
            pmed = np.array([np.nanmedian(r) if np.isfinite(r).any() else np.nan for r in p])
        ax.plot(k, pmed, "s--", color=color, ms=4, alpha=0.8, label=f"{name}: linearised NTK prediction")
        sel = ok & (kk >= fit_min)
        if len(np.unique(kk[sel])) >= 2 and not (model["kind"] == "two_layer" and not model["bias"]):
            fit = fit_power_law(kk[sel], m[sel])
            ax.plot([], [], " ", label=f"{name}: fitted slope {fit.slope:.2f} [{fit.ci_low:.2f}, {fit.ci_high:.2f}]")

    if "region_converged_step" in conv:
        for j, (name, color) in enumerate([("sparse half", "C3"), ("dense half", "C0")]):
            draw(conv.region_converged_step.values[..., j], conv.predicted_region_step.values[..., j], color, name)
    else:
        draw(conv.converged_step.values, conv.predicted_step.values, "C0", "all points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label(conv.degree))
    ax.set_ylabel("convergence step [GD steps]")
    net = f"depth-{model['depth']} net, width {model['width']}" if model["kind"] == "deep" else \
        f"two-layer net, width {model['width']}, {'with' if model['bias'] else 'no'} bias"
    dens = data["density"]["kind"] + (f" ratio {data['density']['ratio']:g}" if data["density"]["kind"] == "hemispheres" else "")
    ax.set_title(f"S^{data['dim'] - 1}, {dens}: {net}", fontsize=10)
    ax.legend(fontsize=7)
    ax.text(0.01, 0.01, conv.attrs["criterion"], transform=ax.transAxes, fontsize=6, color="0.4")
    return fig


def sphere_eigenfunctions(points: xr.Dataset, modes=(1, 4, 9, 16, 25, 36)):
    """Eigenvectors of the NTK Gram matrix on S² samples, on a longitude/latitude map (F8)."""
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
