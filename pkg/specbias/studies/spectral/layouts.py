"""The declared layouts of the spectral study's datasets."""

from ... import io

#: the eigenfunctions of one density (``spectral.nc``)
SPECTRUM = io.Layout("spectral eigenfunctions", required={
    "density": ("grid_point",), "weight": ("grid_point",), "region": ("grid_point",), "eigenvalue": ("mode",),
    "nystrom_eigenvalue": ("mode",), "eigenfunction": ("grid_point", "mode"), "frequency_index": ("mode",),
    "local_frequency": ("mode", "region_index"), "predicted_local_frequency": ("mode", "region_index"),
    "region_amplitude": ("mode", "region_index"), "eigenvalue_law": ("mode",), "region_density": ("region_index",),
    "region_start": ("region_index",), "region_end": ("region_index",), "sqrt_mass": (),
}, optional={
    "projection": ("mode",), "predicted_peak": ("region_index",),  # projection_kappa
})
