"""Compiled kernels with an eager fallback, and chunk sizing for cache or GPU memory.

``torch.compile`` needs a working C++ compiler on the CPU (inductor) or Triton on CUDA.  Where
either is missing, or compilation fails for any other reason, the eager function is used and
the reason is logged once: the numbers are the same, only slower.
"""

from __future__ import annotations

import functools
import logging
import shutil

import torch

log = logging.getLogger(__name__)


@functools.cache
def _raise_compile_cache_limits() -> None:
    """Each block shape is compiled once (dynamic=False).  A process that plans many shapes (the
    test suite, the benchmarks) would pass dynamo's default of 8 per function and silently fall
    back to eager, so the limit is raised.  Done on the first compilation, not at import: loading
    dynamo costs a job that never compiles about a second."""
    try:
        import torch._dynamo

        torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 64)
        torch._dynamo.config.accumulated_cache_size_limit = max(torch._dynamo.config.accumulated_cache_size_limit, 512)
    except (ImportError, AttributeError):  # pragma: no cover - older or stripped-down torch
        pass

COMPILE_MODES = ("auto", "on", "off")

#: Elements of the largest temporary of one compiled block.  On the CPU about 4 MB of float32,
#: which kept a fused two-layer block near its best speed at widths 256-4096 on a 2-core
#: EPYC (bench/results); on a GPU large enough to fill the device.
BLOCK_ELEMENTS = {"cpu": 1 << 20, "cuda": 1 << 27}


def compiler_available(device: torch.device) -> tuple[bool, str]:
    """Whether ``torch.compile`` can generate code for this device, and if not, why."""
    if device.type == "cuda":
        try:
            import triton  # noqa: F401
        except ImportError:
            return False, "triton is not installed"
        return True, "triton"
    for cxx in ("g++", "c++", "clang++"):
        if shutil.which(cxx):
            return True, cxx
    return False, "no C++ compiler (g++, c++ or clang++) on PATH"


class MaybeCompiled:
    """Call ``fn`` compiled when possible; on the first failure fall back to ``eager`` for good."""

    def __init__(self, fn, eager, mode: str, device: torch.device, name: str, dynamic: bool = False):
        if mode not in COMPILE_MODES:
            raise ValueError(f"compile must be one of {COMPILE_MODES}, got {mode!r}")
        self.eager, self.name = eager, name
        ok, why = compiler_available(device)
        if mode == "on" and not ok:
            raise RuntimeError(f"compile: on was requested for {name}, but {why}")
        if mode != "off" and ok:
            _raise_compile_cache_limits()
        self.compiled = torch.compile(fn, dynamic=dynamic) if (mode != "off" and ok) else None
        if mode == "auto" and not ok:
            log.info("%s: running eager (%s)", name, why)

    @property
    def is_compiled(self) -> bool:
        return self.compiled is not None

    def __call__(self, *args):
        if self.compiled is not None:
            try:
                return self.compiled(*args)
            except Exception as exc:  # compiler missing pieces, unsupported op...
                log.warning("%s: torch.compile failed (%s: %s); falling back to eager", self.name,
                            type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
                self.compiled = None
        return self.eager(*args)


def block_elements(device: torch.device, compiled: bool = True) -> int:
    """Target elements of a block's largest temporary: a quarter for eager CPU blocks, which
    materialise three such temporaries instead of one."""
    if device.type == "cuda":
        return BLOCK_ELEMENTS["cuda"]
    return BLOCK_ELEMENTS["cpu"] if compiled else BLOCK_ELEMENTS["cpu"] // 4


_MALLOC_TUNED = False


def one_blas_thread(fn):
    """Decorator for the training loops: numpy's and scipy's OpenBLAS run on one thread while
    ``fn`` runs (torch's own kernels are not affected).  Their idle threads spin for a while
    after each numpy product and take cores from torch's threads: on the 2-core CPU a coordinate
    job's kernel records (a few 256 x 256 numpy products per record) slowed the *training* steps
    around them by a third, and the records cost 0.9x of training instead of 0.15x."""
    from threadpoolctl import threadpool_limits

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)
    return wrapper


def keep_freed_memory() -> bool:
    """Stop glibc from handing each freed multi-MB temporary back to the kernel.

    By default glibc serves blocks above its mmap threshold with a fresh ``mmap`` and trims the
    heap top on ``free``, so a training step that allocates and frees the same few-MB buffers
    takes a page fault per 4 kB on every step: at n = 1024, m = 256 that was 60% of the
    compiled step's time on a 2-core CPU.  Raising the mmap threshold to its 32 MB maximum and
    the trim threshold to 256 MB keeps those pages in the process.  Best effort: a no-op where
    libc is not glibc.  Returns whether the setting was applied.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        ok = bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 256 << 20))
    except (OSError, AttributeError):
        ok = False
    _MALLOC_TUNED = ok
    return ok
