"""The declared layouts of the depth study's datasets."""

from ... import io

#: the deep ReLU NTK's Funk-Hecke eigenvalues for every depth (``spectrum.nc``)
SPECTRUM = io.Layout("depth spectra", required={"eigenvalue": ("depth", "degree"), "multiplicity": ("degree",)})
