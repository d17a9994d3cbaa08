"""Convergence criteria.  Three different ones circulate in the literature (docs/methods.md §6);
every output names the one it used through :attr:`Criterion.description`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("half_sq_norm", "relative_mse", "per_region")


@dataclass(frozen=True)
class Criterion:
    """A residual-based convergence test.

    * ``half_sq_norm``: ``½‖y − f‖² < threshold`` (Basri et al. 2019, arXiv:1906.00425; with
      targets normalised to ‖y‖ = 1 and threshold 0.05).
    * ``relative_mse``: ``mean((y − f)²) < threshold · mean(y²)`` (e.g. 5% of the signal power).
    * ``per_region``: region R_j has converged when ``(1/(2|R_j|)) Σ_{i∈R_j} (f − y)² < δ/n``
      with δ = threshold (P1, arXiv:2003.04560, section 5); the run has converged when every
      region has.
    """

    kind: str
    threshold: float

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown convergence criterion {self.kind!r}; choose one of {KINDS}")
        if not (self.threshold > 0 and np.isfinite(self.threshold)):
            raise ValueError(f"criterion threshold must be a positive finite number, got {self.threshold}")

    @property
    def description(self) -> str:
        if self.kind == "half_sq_norm":
            return f"0.5*sum((y-f)^2) < {self.threshold:g} over the training points"
        if self.kind == "per_region":
            return f"per region R_j: sum_(i in R_j) (y-f)^2 / (2|R_j|) < {self.threshold:g}/n (P1); a run converges when all regions have"
        return f"mean((y-f)^2) < {self.threshold:g}*mean(y^2) over the training points"

    @property
    def per_region(self) -> bool:
        return self.kind == "per_region"

    def region_limits(self, counts, n: int):
        """Per-region bound on Σ_{i∈R_j} r²: 2 |R_j| δ / n (per_region criterion only)."""
        if not self.per_region:
            raise ValueError(f"criterion {self.kind!r} has no per-region form")
        return 2.0 * counts * self.threshold / n

    def holds_sq_norm(self, sq_norm, y) -> np.ndarray:
        """Test on a squared residual norm ‖r‖² (scalar or array) for target values y."""
        sq_norm = np.asarray(sq_norm)
        if self.per_region:
            raise ValueError("the per_region criterion is tested region by region (region_limits)")
        if self.kind == "half_sq_norm":
            return 0.5 * sq_norm < self.threshold
        y = np.asarray(y, dtype=np.float64)
        return sq_norm < self.threshold * float(np.sum(y**2))

    def limit_sq_norm(self, y_sq_norm):
        """The ‖r‖² below which the criterion holds, given ‖y‖² (array-friendly; torch too)."""
        if self.per_region:
            raise ValueError("the per_region criterion is tested region by region (region_limits)")
        if self.kind == "half_sq_norm":
            return 2.0 * self.threshold + 0.0 * y_sq_norm
        return self.threshold * y_sq_norm
