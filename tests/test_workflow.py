"""The Snakemake workflow end to end on a tiny config, in a temporary directory.

Checks: outputs exist and read back; `-n` on a finished run has nothing to do; what reruns
after each kind of config change (dry-run job lists); a bad config stops before any job.
"""
import re

import numpy as np
import pytest
import torch
import yaml

from specbias import io
from wfutil import TINY, copy_workflow, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def finished(tiny_run):
    return tiny_run


def test_every_file_matches_the_layout_its_study_declares(finished, tmp_path):
    """Each study declares the layout of every file it writes; a variable renamed in one file is reported."""
    import shutil

    from specbias import studies

    res = finished / "results"
    checked, problems = studies.check_layouts(res)
    assert problems == [] and checked == len(list(res.glob("*/*/**/*.nc"))) > 50
    bad = tmp_path / "results" / "convergence" / "tiny" / "train"
    bad.mkdir(parents=True)
    with io.read(res / "convergence" / "tiny" / "train" / "kappa_2_d0.nc") as ds:
        ds.rename_vars(loss="training_loss").to_netcdf(bad / "kappa_2_d0.nc")
    (bad.parent / "extra").mkdir()
    shutil.copy(res / "convergence" / "tiny" / "data" / "sample_d0.nc", bad.parent / "extra" / "points.nc")
    checked, problems = studies.check_layouts(tmp_path / "results")
    assert checked == 0 and len(problems) == 2
    assert "no declared layout matches" in problems[0] and "convergence training: missing loss" in problems[1]


def test_outputs_exist_and_read_back(finished):
    res = finished / "results"
    for name in ("data/sample_d0.nc", "ntk/ntk_d0.nc", "analysis/convergence.nc", "train/kappa_3_d0.nc", "predict/kappa_3_d0.nc"):
        ds = io.read(res / "convergence" / "tiny" / name)
        io.check_conventions(ds)
        assert ds.attrs["config_json"] and ds.attrs["references"]
    for fig in ("heatmap", "steps", "ntk_spectrum", "kernel"):
        assert (res / "convergence" / "tiny" / "figures" / f"{fig}.png").stat().st_size > 1000
    for fig in ("eigenfunctions", "local_frequency", "projection"):
        assert (res / "spectral" / "arcs" / "figures" / f"{fig}.png").stat().st_size > 1000
    assert (res / "spectral" / "figures" / "eigenvalue_law.png").exists()
    spec = io.read(res / "spectral" / "arcs" / "spectral.nc")
    assert spec.sizes["region_index"] == 3
    card = io.read_csv(res / "scorecard.csv")
    assert list(card["claim"]) == ["C1", "C3", "C3", "C3", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C11", "C11", "C11",
                                   "C12", "C12", "C13", "C13", "C14", "C14", "C15", "C15", "C16", "C17", "C18", "C20",
                                   "C21", "C21", "C21", "C21", "C21", "C22", "C23", "C23"]
    # C21 on the spectra (tiny, regions) or, without recorded spectra, on the residual itself
    c21 = card[card.claim == "C21"].set_index("entry")
    assert sorted(c21.index) == ["ball", "regions", "ring_deep", "tiny", "tiny_tanh"]
    assert all("no spectra recorded" in c21.loc[e, "note"] for e in ("ball", "ring_deep", "tiny_tanh"))
    lazy = io.read(res / "lazy" / "ring_widths" / "analysis" / "lazy.nc")
    assert lazy.kernel_change_final.dims == ("width", "seed") and list(lazy.width.values) == [64, 1024]
    assert (lazy.kernel_change_final.sel(width=1024) < lazy.kernel_change_final.sel(width=64)).all()
    assert card[card.claim == "C22"].entry.tolist() == ["ring_widths"]
    assert (res / "lazy" / "ring_widths" / "figures" / "kernel_change.png").stat().st_size > 1000
    psnr = io.read(res / "holdout" / "cam" / "analysis" / "psnr.nc")
    assert sorted(psnr.variant.values) == ["basic", "none"] and np.isfinite(psnr.test_psnr).all()
    for fig in ("psnr_curves", "reconstructions", "kernel"):
        assert (res / "holdout" / "cam" / "figures" / f"{fig}.png").stat().st_size > 1000
    assert np.isfinite(psnr.kernel_response_slope).all()  # the holdout jobs record their kernels by default
    tanh = card[card.entry == "tiny_tanh"].set_index("claim")
    assert "tanh vs relu" in tanh.loc["C18", "statement"] and "two-layer tanh net" in tanh.loc["C11", "statement"]
    assert not (res / "convergence" / "tiny_tanh" / "figures" / "ntk_spectrum.png").exists()  # ReLU closed forms only
    wave = io.read(res / "coordinate" / "wave" / "train" / "raw01+raw11.nc")  # one ensemble: same input width
    assert wave.residual_spectrum.dims == ("encoding", "seed", "frequency", "epoch") and wave.sizes["frequency"] == 3
    assert list(wave["encoding"].values) == ["raw01", "raw11"]
    assert (res / "coordinate" / "wave" / "train" / "octave4.nc").exists()
    pic = io.read(res / "coordinate" / "pic" / "train" / "octave3.nc")
    assert pic.sizes["frequency"] == 8 and pic.target.shape == (256, 1)
    learning = io.read(res / "coordinate" / "pic" / "analysis" / "learning.nc")
    assert sorted(learning["encoding"].values) == ["octave3", "raw01"] and "fit_slope" in learning
    for study in ("wave", "pic"):
        for fig in ("heatmaps", "statistics", "learning", "dead_units", "reconstructions"):
            assert (res / "coordinate" / study / "figures" / f"{fig}.png").stat().st_size > 1000
    ball = io.read(res / "convergence" / "ball" / "analysis" / "convergence.nc")
    assert ball.sizes["region_index"] == 2 and ball.sizes["kappa"] == 3 and "spectrum_error" not in ball
    assert not (res / "convergence" / "ball" / "figures" / "heatmap.png").exists()  # spheres record no spectra
    for fig in ("steps", "sphere_eigenfunctions", "region_convergence"):
        assert (res / "convergence" / "ball" / "figures" / f"{fig}.png").stat().st_size > 1000
    assert not (res / "convergence" / "ring_deep" / "figures" / "sphere_eigenfunctions.png").exists()  # S1: no map
    kern = io.read(res / "kernels" / "acts" / "spectrum.nc")
    assert kern.sizes["activation"] == 3 and (res / "kernels" / "acts" / "figures" / "spectra.png").exists()
    assert set(card[card.claim.isin(["C16", "C17"])].verdict) == {"pass"}
    depth = io.read(res / "depth" / "ring" / "spectrum.nc")
    assert depth.sizes["depth"] == 3 and (res / "depth" / "ring" / "figures" / "depth_spectrum.png").exists()
    assert list(card[card.claim == "C5"].entry) == ["regions"]  # C1 only for the uniform circle
    regions = io.read(res / "convergence" / "regions" / "analysis" / "convergence.nc")
    assert regions.sizes["region_index"] == 2 and "region_predicted_step" in regions
    # two point samples (data seeds 1 and 2), one init seed each, pooled along run
    assert regions.data_seed.values.tolist() == [1, 2] and regions.region_measured_step.dims == ("kappa", "run", "region_index")
    a, b = (io.read(res / "convergence" / "regions" / "data" / f"sample_d{d}.nc").theta.values for d in (1, 2))
    assert not np.allclose(a, b)
    assert "per point sample" in card[card.claim == "C5"].note.iloc[0]
    assert (res / "convergence" / "regions" / "figures" / "region_convergence.png").exists()
    assert set(card["verdict"]) <= {"pass", "fail", "not_evaluated"}
    c3 = card[card.claim == "C3"]
    assert (c3.verdict == "pass").all(), c3.to_dict()  # the kernel's decay does not depend on size
    conv = io.read(res / "convergence" / "tiny" / "analysis" / "convergence.nc")
    assert (conv.measured_step > 0).all(), conv.measured_step.values
    log = (res / "convergence" / "tiny" / "logs" / "train" / "kappa_3_d0.log").read_text()
    assert re.search(r"step \d+/150 .* steps/s, .* left", log), log
    assert not list(res.rglob("*.part"))


def test_nothing_to_do_after_a_finished_run(finished):
    assert planned_jobs(finished) == {}


def _with(work, mutate):
    cfg = yaml.safe_load(yaml.safe_dump(TINY))
    mutate(cfg)
    write_config(work, cfg)
    try:
        return planned_jobs(work)
    finally:
        write_config(work, TINY)


def test_figure_option_reruns_only_figures(finished):
    jobs = _with(finished, lambda c: c["figures"].update(dpi=70))
    assert set(jobs) == {"convergence_figure", "spectral_figure", "spectral_figure_eigenvalue_law", "depth_figure",
                         "coordinate_figure", "kernels_figure", "holdout_figure", "lazy_figure", "all"}, jobs
    assert jobs["convergence_figure"] == 17, jobs  # every figure of every entry, nothing else


def test_learning_rate_reruns_training_and_downstream_only(finished):
    jobs = _with(finished, lambda c: c["convergence"]["tiny"]["train"].update(lr=0.01))
    assert jobs.get("convergence_train") == 3, jobs  # the other entries stay
    assert jobs.get("convergence_analysis") == 2, jobs  # tiny's, and tiny_tanh's, which compares against it
    assert "convergence_sample" not in jobs and "convergence_ntk" not in jobs, jobs
    assert "spectral_eigen" not in jobs and "spectral_figure" not in jobs, jobs


def test_adding_a_point_sample_runs_only_that_sample(finished):
    jobs = _with(finished, lambda c: c["convergence"]["regions"]["data"].update(replicates=3))
    assert jobs.get("convergence_sample") == 1 and jobs.get("convergence_ntk") == 1 and jobs.get("convergence_train") == 2, jobs
    assert jobs.get("convergence_analysis") == 1, jobs
    # steps, ntk_spectrum and region_convergence read the analysis; the heatmap and kernel figures show the first sample
    assert jobs.get("convergence_figure") == 3, jobs
    assert "convergence_region_law" not in jobs, jobs  # the NTK-only law draws its own samples


def test_adding_a_kappa_trains_only_that_kappa(finished):
    def add(c):  # (tiny_tanh compares against tiny: both take the new kappa)
        for name in ("tiny", "tiny_tanh"):
            c["convergence"][name]["target"].update(kappas=[1, 2, 3, 5])

    jobs = _with(finished, add)
    assert jobs.get("convergence_train") == 2, jobs
    assert "convergence_sample" not in jobs and "convergence_ntk" not in jobs, jobs


def test_report_builds_without_warnings_and_shows_the_scorecard_table(finished):
    proc = snakemake(finished, "--report", "report.html")
    log = proc.stdout + proc.stderr
    assert "WARNING" not in log and "(ERROR/" not in log, log[-3000:]  # no docutils warnings or errors
    html = (finished / "report.html").read_text(errors="replace")
    assert "heatmap" in html and "Scorecard" in html and "scorecard.html" in html


def test_lint_finds_only_the_conda_rule(finished):
    proc = snakemake(finished, "--lint", check=False)
    out = proc.stdout + proc.stderr
    findings = set(re.findall(r"^\s+\* (.+?):?$", out, re.M))
    assert findings == {"Specify a conda environment or container for each rule."}, findings


def test_run_ends_with_a_summary(finished):
    from specbias.summary import run_summary

    text = run_summary(finished / "results")
    assert "claims:" in text and "passed" in text and "diverged runs" in text and "report:" in text
    assert "job-minutes; start-up (interpreter and imports" in text and "longest: " in text


def _cuda(c):
    c["device"] = "cuda"


@pytest.mark.parametrize("mutate, key", [
    (lambda c: c["convergence"]["tiny"]["train"].update(lr=-1), "convergence.tiny.train.lr"),
    (lambda c: c["convergence"]["tiny"]["train"].update(lr=0.2), "convergence.tiny.train.lr"),  # lr x eigenvalue >= 2
    (lambda c: c["coordinate"]["wave"]["encodings"].update(top={"kind": "octave", "octaves": 7}),  # at Nyquist of 64
     "coordinate.wave.encodings.top.octaves"),
    (lambda c: c["convergence"]["ball"]["data"].update(n=200000), "convergence.ball.data.n"),  # memory
    (lambda c: c.update(experiments=c.pop("convergence")), "experiments"),  # an old name
    (lambda c: c.update(circle={"tiny": c["convergence"].pop("tiny")}), "circle"),  # merged into convergence:
    pytest.param(_cuda, "device", marks=pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")),
])
def test_bad_config_fails_before_any_job(tmp_path, mutate, key):
    cfg = yaml.safe_load(yaml.safe_dump(TINY))
    mutate(cfg)
    copy_workflow(tmp_path, cfg)
    proc = snakemake(tmp_path, "--cores", "1", check=False)
    assert proc.returncode != 0
    assert f"config error at {key}" in proc.stdout + proc.stderr, (proc.stdout + proc.stderr)[-2000:]
    assert not (tmp_path / "results").exists()  # no job ran


def test_adding_a_degree_on_a_sphere_trains_only_that_degree(finished):
    jobs = _with(finished, lambda c: c["convergence"]["ring_deep"]["target"].update(kappas=[1, 2, 3, 4]))
    assert jobs.get("convergence_train") == 1 and jobs.get("convergence_analysis") == 1, jobs
    assert "convergence_sample" not in jobs and "convergence_ntk" not in jobs, jobs


def test_spectral_density_change_reruns_only_its_branch(finished):
    jobs = _with(finished, lambda c: c["spectral"]["arcs"]["density"].update(weights=[1, 2, 5]))
    assert jobs.get("spectral_eigen") == 1 and jobs.get("spectral_figure") == 3, jobs
    assert not {r for r in jobs if r.startswith(("convergence_", "coordinate_", "depth_"))}, jobs
