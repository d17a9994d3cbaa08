"""One module per study, one study per config section (docs/methods.md §9).

Every study has the same cut: ``specbias.studies.<section>`` (its stages, the config keys each
stage reads, its datasets), ``specbias.figures.<section>`` (its figures), ``rules/<section>.smk``
(its jobs), ``workflow/scripts/<section>_<stage>.py`` and ``results/<section>/<name>/``.  Its
claims are entries of :data:`specbias.claims.CLAIMS`, computed in :mod:`specbias.claims`.
No study module imports another (one exception: ``lazy`` sweeps the ``convergence`` study's own stages
over width); shared pieces live in :mod:`specbias.common` and below.
"""

STUDIES = ("convergence", "spectral", "depth", "coordinate", "kernels", "holdout", "lazy")
