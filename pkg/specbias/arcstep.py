"""Exact GD step of the two-layer ReLU net on the circle S¹ in O(n + m log n) work.

For ``f(x) = m^{-1/2} Σ_r a_r ReLU(w_r·x + b_r)`` with ``x = (cos θ, sin θ)`` the pre-activation
of unit r is ``|w_r| cos(θ − φ_r) + b_r``, so the unit is active exactly on the open arc
``|θ − φ_r| < α_r`` with ``φ_r = atan2(w_r)`` and ``α_r = arccos(−b_r/|w_r|)`` (all of the circle
when ``−b_r/|w_r| < −1``, none of it when ``≥ 1``; ``α_r = π/2`` without bias).  With the points
sorted by angle once, every arc is one cyclic index range ``[s_r, e_r)`` found by two searches
(a bucket lookup plus a few compares; the angles are compared by a pseudo-angle key, so no
``atan2`` or ``arccos`` is evaluated), and

* the output at point i is ``m^{-1/2} (Σ_{r active at i} a_r [w_r | b_r]) · [x_i | 1]``: the
  bracket is a prefix sum over a difference array holding ``+a_r[w_r|b_r]`` at ``s_r`` and
  ``−a_r[w_r|b_r]`` at ``e_r`` (a wrapped range adds a constant), O(n + m);
* unit r's gradient ``a_r m^{-1/2} Σ_{i in arc r} r_i [x_i | 1]`` is a difference of two entries
  of the prefix sums of ``r_i [x_i | 1]`` (plus the total for a wrapped range), O(n + m).

This is the same gradient as the dense step (:meth:`specbias.models.TwoLayerEnsemble.residual_and_grad`),
not an approximation; docs/methods.md §1 states the derivation and the accuracy.

Accuracy.  The arc ends are ill-conditioned where ``|b| ≈ |w|`` (``√(|w|² − b²)``, equivalently
``arccos`` near ±1), where float32 loses most of its digits, so the ends, their keys and both
searches are computed in float64 whatever the training dtype (O(m) work).  Both prefix sums
are accumulated in float64 as well: an arc's sum is a difference of two prefix sums, and in float32 that difference loses ``log10(n)`` digits to cancellation; in
float64 the absolute error stays below ``n · 2^{-53} · Σ|r_i|`` (about 2e-12 of ``Σ|r_i|`` at
n = 16,384), far under float32 rounding of the result.  Points exactly on an arc end have
pre-activation 0 and ReLU′(0) = 0: the arc is open (the start is searched with ``right=True``,
the end with ``right=False``), as the dense sign test ``pre > 0``.
"""

from __future__ import annotations

import functools
import math

import torch

from . import accel


def on_circle(x: torch.Tensor, tol: float | None = None) -> bool:
    """Whether every input row is a point of the unit circle S¹ (2 coordinates, norm 1)."""
    if x.dim() != 2 or x.shape[1] != 2 or x.shape[0] == 0:
        return False
    tol = tol if tol is not None else (1e-5 if x.dtype == torch.float32 else 1e-10)
    return bool(((x.double().norm(dim=1) - 1).abs() <= tol).all())


def pseudo_angle(u1: torch.Tensor, u2: torch.Tensor) -> torch.Tensor:
    """A key in [0, 4) that increases with the angle of the direction (u1, u2) over [0, 2π), with
    no transcendental function: y/(|x| + |y|) and x/(|x| + |y|) per quadrant ("diamond angle").
    ``P(θ + π) = P(θ) + 2``.  Only the direction matters, so unnormalised inputs are fine."""
    inv = 1.0 / (u1.abs() + u2.abs())
    r, q = u2 * inv, u1 * inv
    return torch.where(u2 >= 0, torch.where(u1 >= 0, r, 1.0 - q), torch.where(u1 < 0, 2.0 - r, 3.0 + q))


class ArcPlan:
    """The arc step for one set of inputs on S¹: the angular order of the points, fixed for the
    whole training, the float64 copies of ``[x | 1]`` in that order, and a bucket table of the
    points' angle keys that turns each unit's two binary searches into a lookup plus a few compares.

    ``compile`` (auto/on/off, as the dense step): compiled, the step is two fused loops, one over
    the units (arc ends and both searches by bucket lookup) and one for the difference array,
    prefix sums and gathers; eager (no compiler, or ``off``), the same operations run one by one
    and the searches are ``torch.searchsorted``.  Both routes find the same integer ranges and
    the same float64 sums (tested)."""

    #: the bucket lookup compares against at most this many points per bucket; a sample with
    #: denser clumps (or repeated angles) uses ``torch.searchsorted`` in the compiled step too
    MAX_SCAN = 8
    #: buckets per point (rounded up to a power of two)
    BUCKETS_PER_POINT = 4

    def __init__(self, x: torch.Tensor, bias: bool, compile: str = "off"):
        if not on_circle(x):
            raise ValueError("the arc step needs inputs on the unit circle S^1 (n x 2 rows of norm 1)")
        self.n, self.bias = x.shape[0], bias
        dev = x.device
        x64 = x.double()
        key = pseudo_angle(x64[:, 0], x64[:, 1])
        self.order = torch.argsort(key)
        self.key = key[self.order].contiguous()  # sorted angle keys in [0, 4)
        xs = x64[self.order]
        self.xa = torch.cat([xs, torch.ones_like(xs[:, :1])], 1) if bias else xs  # (n, K) float64, sorted
        self.inverse = torch.empty_like(self.order)
        self.inverse[self.order] = torch.arange(self.n, device=dev)
        # bucket table: bucket(v) = floor(v * B / 4); table[k] = #points whose bucket is < k.  The
        # points' buckets come from the same rounded product as the queries', so a point in an
        # earlier (later) bucket than v is certainly below (above) v.
        buckets = 1 << max(2, (self.BUCKETS_PER_POINT * self.n - 1).bit_length())
        self.inv_width = buckets / 4.0
        point_bucket = torch.clamp((self.key * self.inv_width).floor().long(), 0, buckets - 1)
        self.table = torch.searchsorted(point_bucket, torch.arange(buckets + 1, device=dev), right=False,
                                        out_int32=self.n < 2**31 - 1)
        self.scan = int((self.table[1:] - self.table[:-1]).max())
        self.key_pad = torch.cat([self.key, torch.full((self.scan + 1,), math.inf, dtype=torch.float64, device=dev)])
        self.use_table = self.scan <= self.MAX_SCAN
        # compiled, the arc ends and both lookups are one loop over the units
        self._ranges = accel.MaybeCompiled(functools.partial(_ranges, table=self.use_table),
                                           functools.partial(_ranges, table=False), compile, dev, "arc step ranges")
        self._sums = accel.MaybeCompiled(_sums, _sums, compile, dev, "arc step sums")

    def describe(self) -> str:
        compiled = self._ranges.is_compiled
        how = f"bucket lookup, <= {self.scan} compares" if compiled and self.use_table else "binary search"
        return (f"arc step on S^1 (n={self.n}, points sorted by angle; arcs by {how}, "
                f"{'compiled' if compiled else 'eager'}; float64 arcs and prefix sums)")

    def ranges(self, wb: torch.Tensor, table: bool | None = None):
        """Each unit's active index range in the sorted order: start s, end e and whether the
        range wraps past angle 0 (then it is [s, n) ∪ [0, e)).  ``wb`` (R, m, K), any float dtype.
        ``table``: force the bucket lookup (True) or the binary search (False); None: the plan's own."""
        if table is None:
            return self._ranges(wb, self.key, self.key_pad, self.table, self.inv_width, self.scan, self.bias)
        return _ranges(wb, self.key, self.key_pad, self.table, self.inv_width, self.scan, self.bias,
                       table=table and self.use_table)

    def residual_and_grad(self, model, y: torch.Tensor):
        """Residual ``f − y`` (R, n) in the points' own order and ``∂(½Σ(f − y)²)/∂wb`` (R, m, K),
        both in the model's dtype; the same quantities as the dense step."""
        s, e, wrap = self.ranges(model.wb)
        return self._sums(model.wb, model.a, y, s, e, wrap, self.xa, self.order, self.inverse)


def _sums(wb, a, y, s, e, wrap, xa, order, inverse):
    """Given every unit's index range: the outputs by a difference array and one prefix sum, the
    residual, and every unit's gradient as a difference of two prefix sums of r_i [x_i | 1]."""
    R, m, K = wb.shape
    n = xa.shape[0]
    a64 = a.double()
    av = (a64[..., None] * wb.double()).reshape(R * m, K)  # a_r [w_r | b_r]
    offset = (torch.arange(R, device=wb.device) * (n + 1))[:, None]
    s_flat, e_flat = (s + offset).reshape(-1), (e + offset).reshape(-1)
    # difference array: +a_r[w_r|b_r] at s_r, −a_r[w_r|b_r] at e_r
    diff = torch.zeros((R * (n + 1), K), dtype=torch.float64, device=wb.device)
    diff = diff.index_add(0, s_flat, av).index_add(0, e_flat, -av)
    const = (av.reshape(R, m, K) * wrap[..., None]).sum(1)  # wrapped ranges cover all but [e, s)
    active_sum = torch.cumsum(diff.reshape(R, n + 1, K)[:, :n], 1) + const[:, None, :]  # (R, n, K)
    scale = 1.0 / math.sqrt(m)
    res = (active_sum * xa).sum(-1) * scale - y.double()[:, order]  # (R, n), sorted order
    prefix = torch.cumsum(res[..., None] * xa, 1)
    total = prefix[:, n - 1]
    prefix = torch.cat([torch.zeros_like(prefix[:, :1]), prefix], 1).reshape(R * (n + 1), K)
    arc = (prefix[e_flat] - prefix[s_flat]).reshape(R, m, K) + wrap[..., None] * total[:, None, :]
    grad = arc * (a64 * scale)[..., None]
    return res[:, inverse].to(wb.dtype), grad.to(wb.dtype)


#: keys closer than this are one key to the wrap decision (rounding of the keys is ~1e-15)
KEY_TIE = 1e-12


def _arc_keys(wb, bias: bool):
    """Per unit (R, m): the angle keys of the arc's start and end, whether it wraps, and whether it
    is the whole circle or empty (float64, elementwise).

    With ``c = −b/|w|`` the arc runs counter-clockwise from ``c ŵ − √(1−c²) ŵ⊥`` to
    ``c ŵ + √(1−c²) ŵ⊥`` (``ŵ = w/|w|``, ``ŵ⊥`` its quarter turn): the two points of the circle where
    ``w·x + b = 0``.  Scaled by ``|w|²`` these are ``−b w ∓ √(|w|² − b²) w⊥``, and a key needs only
    the direction, so one square root and no division by |w| is needed.  The arc wraps past angle 0
    when its start key exceeds its end key; when the two keys tie (an arc of almost none or almost
    all of the circle) the sign of c decides: c > 0 (b < 0) empty, c ≤ 0 whole."""
    wb = wb.double()
    w1, w2 = wb[..., 0], wb[..., 1]
    nw2 = w1 * w1 + w2 * w2
    b = wb[..., 2] if bias else torch.zeros_like(nw2)
    d = nw2 - b * b
    full = (b > 0) & (d < 0)  # c < −1 (also w = 0 with b > 0)
    empty = (b <= 0) & (d <= 0)  # c >= 1 (also w = 0 with b <= 0)
    sn = torch.sqrt(torch.clamp(d, min=0.0))
    lo = pseudo_angle(sn * w2 - b * w1, -b * w2 - sn * w1)
    hi = pseudo_angle(-b * w1 - sn * w2, sn * w1 - b * w2)
    gap = hi - lo
    tie = gap.abs() <= KEY_TIE
    full = full | (tie & (b >= 0))
    empty = empty | (tie & (b < 0))
    lo = torch.where(full | empty, 0.0, lo)  # finite keys for the lookup (w = 0 gives NaN)
    hi = torch.where(full | empty, 0.0, hi)
    return lo, hi, (gap < 0) & ~tie, full, empty


def _arc_ranges(lo, hi, wrap, full, empty, key, key_pad, table_, inv_width: float, scan: int, table: bool):
    """Per unit: start index s, end index e in the sorted order, and the final wrap flag."""
    n = key.shape[0]
    if table:
        s = _count_below(lo, key_pad, table_, inv_width, scan, right=True)  # first point with key > lo
        e = _count_below(hi, key_pad, table_, inv_width, scan, right=False)  # first point with key >= hi
    else:
        s = torch.searchsorted(key, lo.contiguous(), right=True)
        e = torch.searchsorted(key, hi.contiguous(), right=False)
    e = torch.where(wrap, e, torch.maximum(e, s))  # a non-wrapped range never runs backwards
    s = torch.where(full | empty, torch.zeros_like(s), s)
    e = torch.where(full, torch.full_like(e, n), torch.where(empty, torch.zeros_like(e), e))
    return s, e, wrap & ~full & ~empty


def _ranges(wb, key, key_pad, table_, inv_width: float, scan: int, bias: bool, table: bool):
    """Per unit (R, m): start index s, end index e (sorted order), and whether the range wraps."""
    return _arc_ranges(*_arc_keys(wb, bias), key, key_pad, table_, inv_width, scan, table)


def _count_below(v, key_pad, table_, inv_width: float, scan: int, right: bool):
    """#points with key < v (<= v if ``right``): every point of an earlier bucket, then at most
    ``scan`` compares with the points of v's own bucket (later points are all above v, and the
    padding is +inf)."""
    buckets = table_.shape[0] - 1
    k = torch.clamp((v * inv_width).floor().long(), 0, buckets - 1)
    start = table_[k].long()
    count = start
    for j in range(scan):
        t = key_pad[start + j]
        count = count + ((t <= v) if right else (t < v)).long()
    return count
