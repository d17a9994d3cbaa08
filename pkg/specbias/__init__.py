"""specbias: a reproducible laboratory for the spectral (frequency) bias of neural networks.

Reproduces Basri et al., ICML 2020 (arXiv:2003.04560) and Lazzari & Liu 2023
(arXiv:2301.05816).  The science lives in this package; the Snakemake workflow only calls it.
"""

__version__ = "0.1.0"

REFERENCES = (
    "arXiv:2003.04560 (Basri et al. 2020, P1); arXiv:1906.00425 (Basri et al. 2019); "
    "arXiv:1901.08584 (Arora et al. 2019); arXiv:2301.05816 (Lazzari & Liu 2023, P2)"
)

__all__ = ["open_results", "REFERENCES", "__version__"]


def __getattr__(name):
    """``specbias.open_results`` on first use: a job that never loads a whole run does not pay for
    importing pandas and the results tree."""
    if name == "open_results":
        from .results import open_results

        return open_results
    raise AttributeError(f"module 'specbias' has no attribute {name!r}")
