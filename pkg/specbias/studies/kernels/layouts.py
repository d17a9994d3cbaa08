"""The declared layouts of the kernels study's datasets."""

from ... import io

#: every activation's Funk-Hecke spectrum and decay laws (``spectrum.nc``)
SPECTRUM = io.Layout("activation kernel spectra", required={
    "eigenvalue": ("activation", "degree"), "multiplicity": ("degree",), "kind": ("activation",), "homogeneous": ("activation",),
    "power_slope": ("activation",), "power_r2": ("activation",), "exp_rate": ("activation",), "exp_r2": ("activation",),
})
