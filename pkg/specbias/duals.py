"""Dual activations and the NTK of a net with any activation, as functions of the inner product
of unit inputs (docs/methods.md §11).

For (u, v) ~ N(0, S), S = [[s11, s12], [s12, s22]], the *dual* of σ is E[σ(u)σ(v)] and the
*derivative dual* E[σ′(u)σ′(v)].  Every activation of :mod:`specbias.activations` gives σ and σ′
(numpy); some also give closed forms of both duals.  The general route is quadrature:

* :func:`mehler_dual`: Mehler's expansion E[f(u)g(v)] = Σ_k a_k b_k ρ^k, a_k the orthonormal
  Hermite coefficients of f(√s11 ·) (1-D Gauss–Hermite): the route for smooth σ, whose
  coefficients fall geometrically (:func:`hermite_dual`, a 2-D Gauss–Hermite product rule, is the
  independent check in the tests);
* :func:`polar_dual`: for positively homogeneous σ (ReLU family; degree p), E[f(u)g(v)] =
  E[R^{p+q}] · (1/2π) ∫ f(û(φ)) g(v̂(φ)) dφ over the unit circle, split at the kinks of f and g
  (the zeros of û = √s11 cos φ and v̂ = √s22 cos(φ − arccos ρ)) and integrated by Gauss–Legendre
  on each piece: exact to rounding, where Gauss–Hermite would converge slowly across the kink.

The kernels (τ: std of the first layer's weights; c: weight variance of the deep layers):

* two-layer, first layer trained (the project's net, any σ): Θ(t) = E[σ′(u)σ′(v)] (t + β) with
  S = τ² [[1, t], [t, 1]], β = 1 with bias, 0 without;
* deep, NTK parameterisation, bias-free: Σ₀ = t (diagonal 1), Σ_h = c E[σ(u)σ(v)],
  Σ̇_h = c E[σ′(u)σ′(v)] with (u, v) ~ N(0, Λ_{h−1}), Λ the 2 × 2 covariance of the previous layer
  (its diagonal q_h = c E[σ(z)²], z ~ N(0, q_{h−1}), carried for non-homogeneous σ);
  Θ_h = Θ_{h−1} Σ̇_h + Σ_h, and the NTK of depth D is Θ_{D−1}.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .analysis import fit_power_law
from .registry import ACTIVATIONS

#: Gauss–Hermite and Gauss–Legendre node counts of the quadrature routes
HERMITE_NODES = 96
POLAR_NODES = 48


def _broadcast(s11, s12, s22):
    s11, s12, s22 = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (s11, s12, s22)))
    return s11, s12, s22


def hermite_dual(f, g, s11, s12, s22, nodes: int = HERMITE_NODES) -> np.ndarray:
    """E[f(u) g(v)] for (u, v) ~ N(0, S) by a nodes × nodes Gauss–Hermite product rule."""
    s11, s12, s22 = _broadcast(s11, s12, s22)
    x, w = np.polynomial.hermite.hermgauss(nodes)
    z, w = math.sqrt(2.0) * x, w / math.sqrt(math.pi)  # nodes and weights for N(0, 1)
    rho = np.clip(s12 / np.sqrt(s11 * s22), -1.0, 1.0)[..., None, None]
    a, b = np.sqrt(s11)[..., None, None], np.sqrt(s22)[..., None, None]
    u = a * z[:, None]
    v = b * (rho * z[:, None] + np.sqrt(1.0 - rho * rho) * z[None, :])
    return np.einsum("...ij,i,j->...", f(u) * g(v), w, w)


def hermite_coefficients(f, s: float, order: int = 600, nodes: int = 800) -> np.ndarray:
    """a_k = E[f(√s z) h_k(z)], z ~ N(0, 1), k = 0..order, h_k = He_k/√k! (orthonormal probabilists'
    Hermite polynomials), by 1-D Gauss–Hermite with ``nodes`` points (> order).  The recurrence
    runs on h_k √w (bounded Hermite functions), so nothing overflows at large k and |z|."""
    z, w = special.roots_hermitenorm(nodes)
    w = w / math.sqrt(2 * math.pi)
    root = np.sqrt(w)
    fw = f(math.sqrt(s) * z) * root
    out = np.empty(order + 1)
    h_prev, h = np.zeros_like(z), root.copy()
    for k in range(order + 1):
        out[k] = fw @ h
        h_prev, h = h, (z * h - math.sqrt(k) * h_prev) / math.sqrt(k + 1)
    return out


def mehler_dual(f, g, s11, s12, s22, order: int = 600) -> np.ndarray:
    """E[f(u) g(v)] by Mehler's expansion: Σ_k a_k b_k ρ^k with a_k, b_k the orthonormal Hermite
    coefficients of f(√s11 ·) and g(√s22 ·) and ρ the correlation; one 1-D quadrature per distinct
    diagonal, then a power series in ρ.  For smooth σ the coefficients fall geometrically."""
    s11, s12, s22 = _broadcast(s11, s12, s22)
    out = np.empty(s12.shape)
    for a11, a22 in {(float(a), float(b)) for a, b in zip(s11.reshape(-1), s22.reshape(-1))}:
        sel = (s11 == a11) & (s22 == a22)
        ab = hermite_coefficients(f, a11, order) * hermite_coefficients(g, a22, order)
        rho = np.clip(s12[sel] / math.sqrt(a11 * a22), -1.0, 1.0)
        out[sel] = np.polynomial.polynomial.polyval(rho, ab)
    return out


def polar_dual(f, g, s11, s12, s22, degree: float = 2.0, nodes: int = POLAR_NODES) -> np.ndarray:
    """E[f(u) g(v)] for positively homogeneous f, g whose degrees add to ``degree``, by the angle
    integral split at the kinks (the zeros of u and v on the unit circle)."""
    s11, s12, s22 = _broadcast(s11, s12, s22)
    shape = s12.shape
    s11, s12, s22 = (a.reshape(-1) for a in (s11, s12, s22))
    rho = np.clip(s12 / np.sqrt(s11 * s22), -1.0, 1.0)
    alpha = np.arccos(rho)  # v̂(φ) = √s22 cos(φ − α)
    x, w = special.roots_legendre(nodes)
    moment = 2.0 ** (degree / 2) * math.gamma(1 + degree / 2)  # E[R^degree], R² ~ χ²₂
    out = np.empty(len(rho))
    for a in range(0, len(rho), 2048):  # chunks of 2048 entries x 5 pieces x nodes
        al = alpha[a : a + 2048, None]
        quarter = np.full_like(al, np.pi / 2)
        cuts = np.sort(np.mod(np.concatenate([quarter, 3 * quarter, al + np.pi / 2, al - np.pi / 2], axis=1), 2 * np.pi), axis=1)
        edges = np.concatenate([np.zeros_like(al), cuts, np.full_like(al, 2 * np.pi)], axis=1)
        lo, hi = edges[:, :-1, None], edges[:, 1:, None]  # 5 pieces (an empty one weighs 0)
        phi = (lo + hi) / 2 + (hi - lo) / 2 * x
        ww = (hi - lo) / 2 * w
        u = np.sqrt(s11[a : a + 2048, None, None]) * np.cos(phi)
        v = np.sqrt(s22[a : a + 2048, None, None]) * np.cos(phi - al[:, :, None])
        out[a : a + 2048] = moment * np.sum(ww * f(u) * g(v), axis=(1, 2)) / (2 * np.pi)
    return out.reshape(shape)


def dual(act, s11, s12, s22, method: str = "auto") -> np.ndarray:
    """E[σ(u)σ(v)]: ``closed`` form, ``quadrature`` (polar for homogeneous σ, else Gauss–Hermite), or
    ``auto`` (the closed form where the activation has one)."""
    if method in ("auto", "closed") and act.has_closed_form:
        return act.dual(*_broadcast(s11, s12, s22))
    if method == "closed":
        raise ValueError(f"activation {act.kind!r} has no closed-form dual; use the quadrature")
    if act.homogeneous:
        return polar_dual(act.f, act.f, s11, s12, s22, degree=2.0)
    return mehler_dual(act.f, act.f, s11, s12, s22)


def derivative_dual(act, s11, s12, s22, method: str = "auto") -> np.ndarray:
    """E[σ′(u)σ′(v)], by the same choice of route as :func:`dual`."""
    if method in ("auto", "closed") and act.has_closed_form:
        return act.derivative_dual(*_broadcast(s11, s12, s22))
    if method == "closed":
        raise ValueError(f"activation {act.kind!r} has no closed-form derivative dual; use the quadrature")
    if act.homogeneous:
        return polar_dual(act.df, act.df, s11, s12, s22, degree=0.0)
    return mehler_dual(act.df, act.df, s11, s12, s22)


def activation(cfg) -> "object":
    """The activation a config entry names (``relu`` or ``{kind: sin, omega0: 30}``)."""
    return ACTIVATIONS.build(cfg)


def two_layer_ntk(t, act, tau: float = 1.0, bias: bool = True, method: str = "auto") -> np.ndarray:
    """Θ(t) = E[σ′(u)σ′(v)] (t + β), S = τ² [[1, t], [t, 1]]: the GD Gram kernel of the two-layer net
    with activation ``act`` (first layer trained, w ~ N(0, τ² I), b = 0 at initialisation)."""
    t = np.clip(np.asarray(t, dtype=np.float64), -1.0, 1.0)
    s = tau * tau
    return derivative_dual(act, s, s * t, s, method) * (t + (1.0 if bias else 0.0))


def weight_variance(act, q: float = 1.0) -> float:
    """c = 1 / E[σ(z)²], z ~ N(0, q): the deep layers' weight variance that keeps the first hidden
    layer's variance at q's scale (2 for ReLU, as in the project's deep nets)."""
    return 1.0 / float(dual(act, q, q, q))


def deep_ntk(t, act, depth: int, c: float | None = None, method: str = "auto") -> np.ndarray:
    """NTK Θ_{depth−1}(t) of the bias-free deep net (NTK parameterisation) with activation ``act``
    on unit inputs; ``c``: weight variance of the layers after the first (default
    :func:`weight_variance`).  For ReLU and c = 2 this is :func:`specbias.deep.relu_ntk`."""
    if depth < 2:
        raise ValueError(f"depth must be >= 2 (one hidden layer at least), got {depth}")
    t = np.clip(np.asarray(t, dtype=np.float64), -1.0, 1.0)
    c = weight_variance(act) if c is None else float(c)
    sigma, q = t.copy(), 1.0  # off-diagonal and (shared) diagonal of the previous layer's covariance
    theta = t.copy()
    for _ in range(depth - 1):
        sigma_dot = c * derivative_dual(act, q, sigma, q, method)
        sigma_new = c * dual(act, q, sigma, q, method)
        q = float(c * dual(act, q, q, q, method))
        theta = theta * sigma_dot + sigma_new
        sigma = np.clip(sigma_new, -q, q)
    return theta


#: eigenvalues below this fraction of the largest in the fit range are left out of the decay fits
FLOOR = 1e-10


def decay_law(k: np.ndarray, lam: np.ndarray, k_range) -> dict:
    """Which law the eigenvalues λ_k (k in ``k_range``, above :data:`FLOOR` of the largest) follow: a power law (log λ linear
    in log k; slope) or an exponential one (log λ linear in k; rate), each with its R²."""
    k, lam = np.asarray(k, dtype=np.float64), np.asarray(lam, dtype=np.float64)
    lo, hi = k_range
    keep = (k >= lo) & (k <= hi) & (lam > 1e-300)
    # numerically zero (odd/even) degrees and the quadrature's noise floor (~1e-13 of the kernel) left out
    keep &= lam > lam[keep].max() * FLOOR if keep.any() else keep
    power = fit_power_law(k[keep], lam[keep])
    slope, intercept = np.polyfit(k[keep], np.log(lam[keep]), 1)
    resid = np.log(lam[keep]) - (slope * k[keep] + intercept)
    r2_exp = 1 - resid.var() / np.log(lam[keep]).var()
    return {"power_slope": power.slope, "power_r2": power.r_squared, "exp_rate": float(-slope), "exp_r2": float(r2_exp),
            "law": "power" if power.r_squared >= r2_exp else "exponential", "points": int(keep.sum())}
