# The ring_decay example study: one job per entry (spectrum, fit and claim row), one figure job.

ring_decay = STUDY["ring_decay"]


rule ring_decay_spectrum:
    output:
        spectrum=ring_decay.path("spectrum.nc"),
        claims=ring_decay.path("analysis/claims.csv"),
    params:
        entry=ring_decay.entry,
    log:
        ring_decay.log("spectrum"),
    benchmark:
        ring_decay.benchmark("spectrum"),
    script:
        "scripts/spectrum.py"


rule ring_decay_figure:
    input:
        spectrum=ring_decay.path("spectrum.nc"),
    output:
        figure_outputs(ring_decay.path("figures/{fig}")),
    wildcard_constraints:
        fig=ring_decay.figure_pattern(),
    params:
        figures=config["figures"],
        section=ring_decay.section,
        figure=lambda wc: wc.fig,
    log:
        ring_decay.log("figures/{fig}"),
    benchmark:
        ring_decay.benchmark("figures/{fig}"),
    script:
        FIGURE_SCRIPT
