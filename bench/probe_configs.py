"""Probe: bad configs against validation and the pre-flight checks.

    python bench/probe_configs.py            # prints one line per case and the counts

Each case mutates the default config; a case is *refused* when validation or pre-flight raises a
ConfigError naming the expected key, before any job (both run before Snakemake plans a job).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import torch
import yaml

from specbias import preflight
from specbias.config import ConfigError, load_schema, validate
from specbias.studies import sections

ROOT = Path(__file__).resolve().parents[1]
NAN, INF = float("nan"), float("inf")


def at(path, value):
    def mutate(c):
        node = c
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return mutate


U, D, S2, HEM, G1, G3 = ("convergence", "uniform_circle"), ("convergence", "density_124"), ("convergence", "s2_uniform"), \
    ("convergence", "s2_hemispheres"), ("coordinate", "g1_signal"), ("coordinate", "g3_astronaut")

CASES = [  # (what, mutate, key the message must name)
    ("lr nan", at(U + ("train", "lr"), NAN), "convergence.uniform_circle.train.lr"),
    ("lr inf", at(U + ("train", "lr"), INF), "convergence.uniform_circle.train.lr"),
    ("coordinate lr inf", at(G1 + ("train", "lr"), INF), "coordinate.g1_signal.train.lr"),
    ("threshold nan", at(U + ("train", "criterion", "threshold"), NAN), "convergence.uniform_circle.train.criterion.threshold"),
    ("lr_relative nan", at(S2 + ("train", "lr_relative"), NAN), "convergence.s2_uniform.train.lr_relative"),
    ("tau inf", at(U + ("model", "tau"), INF), "convergence.uniform_circle.model.tau"),
    ("divergence_factor nan", at(U + ("train", "divergence_factor"), NAN), "convergence.uniform_circle.train.divergence_factor"),
    ("device cuda, no GPU", at(("device",), "cuda"), "device"),
    ("unknown colour map", at(("figures", "cmap"), "notacolormap"), "figures.cmap"),
    ("unknown format", at(("figures", "formats"), ["bmp"]), "figures.formats"),
    ("unknown image", at(G3 + ("signal", "name"), "mona_lisa"), "coordinate.g3_astronaut.signal.name"),
    ("lr x eigenvalue >= 2", at(U + ("train", "lr"), 0.02), "convergence.uniform_circle.train.lr"),
    ("lr x eigenvalue >= 2 (per-region study)", at(D + ("train", "lr"), 0.05), "convergence.density_124.train.lr"),
    ("octaves 7 on 64 points (Nyquist)", at(G3 + ("encodings", "octave6", "octaves"), 7), "coordinate.g3_astronaut.encodings.octave6.octaves"),
    ("octaves 8 on 64 points (alias)", at(G3 + ("encodings", "octave6", "octaves"), 8), "coordinate.g3_astronaut.encodings.octave6.octaves"),
    ("width 1e9", at(U + ("model", "width"), 10**9), "convergence.uniform_circle.model.width"),
    ("epochs 1e9", at(G1 + ("train", "epochs"), 10**9), "coordinate.g1_signal.train.epochs"),
    ("max_steps 1e12", at(U + ("train", "max_steps"), 10**12), "convergence.uniform_circle.train.max_steps"),
    ("dim 64, n 200000 (Gram 960 GB)", lambda c: (at(S2 + ("data", "dim"), 64)(c), at(S2 + ("data", "n"), 200000)(c),
                                                  at(S2 + ("target", "kappas"), [1, 2, 3])(c)), "convergence.s2_uniform.data.n"),
    ("old section experiments:", lambda c: c.update(experiments=c.pop("convergence")), "experiments"),
    ("old section circle:", lambda c: c.update(circle={"u": c["convergence"].pop("uniform_circle")}), "circle"),
    ("old key degrees", lambda c: c["convergence"]["s2_uniform"]["target"].update(degrees=c["convergence"]["s2_uniform"]["target"].pop("kappas")), "convergence.s2_uniform.target.degrees"),
    ("old section depth_spectra:", lambda c: c.update(depth_spectra=c.pop("depth")), "depth_spectra"),
    ("negative lr", at(U + ("train", "lr"), -0.1), "convergence.uniform_circle.train.lr"),
    ("zero width", at(U + ("model", "width"), 0), "convergence.uniform_circle.model.width"),
    ("odd width, antisymmetric", at(U + ("model", "width"), 2001), "convergence.uniform_circle.model.width"),
    ("kappa above n/2", at(U + ("target", "kappas"), [3, 300]), "convergence.uniform_circle.target.kappas"),
    ("typo key", at(U + ("train", "learning_rate"), 0.1), "convergence.uniform_circle.train"),
    ("unknown density", at(U + ("data", "density"), {"kind": "lumpy"}), "convergence.uniform_circle.data.density"),
    ("per_region on uniform", at(U + ("train", "criterion", "kind"), "per_region"), "convergence.uniform_circle.train.criterion.kind"),
    ("snapshots > steps", at(U + ("train", "snapshots"), 5000), "convergence.uniform_circle.train.snapshots"),
    ("lr_relative 2.5", at(S2 + ("train", "lr_relative"), 2.5), "convergence.s2_uniform.train.lr_relative"),
    ("hemisphere ratio 0", at(HEM + ("data", "density", "ratio"), 0), "convergence.s2_hemispheres.data.density.ratio"),
    ("signal frequency above Nyquist", at(G1 + ("signal", "frequencies"), [5, 2000]), "coordinate.g1_signal.signal.frequencies"),
    ("activation parameter of another kind", at(("kernels", "circle_two_layer", "activations", "relu", "omega0"), 3.0),
     "kernels.circle_two_layer.activations.relu"),
    ("unknown activation", at(("kernels", "circle_two_layer", "activations", "relu", "kind"), "swish"),
     "kernels.circle_two_layer.activations.relu.kind"),
    ("fit range beyond max_degree", at(("kernels", "circle_two_layer", "fit_range"), [4, 400]), "kernels.circle_two_layer.fit_range"),
    ("octave at the training grid's Nyquist", at(("holdout", "astronaut", "variants", "octave", "encoding", "octaves"), 6),
     "holdout.astronaut.variants.octave.encoding"),
    ("siren init with relu", at(("holdout", "astronaut", "variants", "siren", "activation"), "relu"),
     "holdout.astronaut.variants.siren.init"),
    ("PSNR order names an unknown variant", at(("holdout", "astronaut", "analysis", "order"), ["none", "nope"]),
     "holdout.astronaut.analysis.order"),
    ("comparison with a different point count", at(("convergence", "circle_relu", "data", "n"), 512),
     "convergence.circle_tanh.analysis.compare_to.entry"),
    ("lazy base with two kappas", at(("lazy", "circle_widths", "base", "target", "kappas"), [3, 4]),
     "lazy.circle_widths.base.target.kappas"),
    ("lazy sweep of one width", at(("lazy", "circle_widths", "widths"), [256]), "lazy.circle_widths.widths"),
    ("lazy without kernel records", at(("lazy", "circle_widths", "base", "train", "kernel_records", "probe"), 0),
     "lazy.circle_widths.base.train.kernel_records.probe"),
    ("lazy lr unstable at the widest net", lambda c: (c["lazy"]["circle_widths"]["base"]["train"].pop("lr_relative"),
                                                     at(("lazy", "circle_widths", "base", "train", "lr"), 1.0)(c)),
     "lazy.circle_widths.base.train.lr"),
    ("real data: a file-based set that is not on disk", at(("realdata", "digits_mlp", "data"), {"source": "mnist", "root": "/nowhere"}),
     "realdata.digits_mlp.data.root"),
    ("real data: a factory that does not import", at(("realdata", "digits_mlp", "model"), {"kind": "factory", "factory": "no.such:net"}),
     "realdata.digits_mlp.model.factory"),
    ("real data: the CNN on 8x8 digits", at(("realdata", "digits_mlp", "model"), {"kind": "p2_cnn"}), "realdata.digits_mlp.model"),
    ("real data: more images than the classes hold", at(("realdata", "digits_mlp", "data", "count"), 5000),
     "realdata.digits_mlp.data.count"),
    ("no study at all", lambda c: [c.pop(s) for s in sections()], ""),
    # values a job would have failed on, late
    ("width 256.0 (a float)", at(U + ("model", "width"), 256.0), "convergence.uniform_circle.model.width"),
    ("seed 1e20", at(U + ("data", "seed"), 1e20), "convergence.uniform_circle.data.seed"),
    ("seed 2^40", at(U + ("train", "seeds"), [0, 2**40]), "convergence.uniform_circle.train.seeds[1]"),
    ("entry name of 300 characters", lambda c: c["convergence"].update({"x" * 300: c["convergence"].pop("uniform_circle")}),
     "convergence.'" + "x" * 300 + "'"),
    ("entry name with a trailing newline", lambda c: c["convergence"].update({"u\n": c["convergence"].pop("uniform_circle")}),
     "convergence.'u\\n'"),
    ("a key that is not text", lambda c: c["figures"].update({True: 1}), "figures"),
    ("a dotted --config key", lambda c: c.update({"convergence.uniform_circle.train.lr": 0.1}), "convergence.uniform_circle.train.lr"),
    ("float lazy widths", at(("lazy", "circle_widths", "widths"), [256.0, 1024]), "lazy.circle_widths.widths[0]"),
    # arrays that scale with seeds, points, width, records: the memory pre-flight of every study kind
    ("200,000 seeds on a convergence entry", at(U + ("train", "seeds"), list(range(200_000))), "convergence.uniform_circle.train.snapshots"),
    ("100,000 seeds on a coordinate entry", at(G1 + ("train", "seeds"), list(range(100_000))), "coordinate.g1_signal.model.hidden"),
    ("100,000 seeds on a holdout entry", at(("holdout", "astronaut", "train", "seeds"), list(range(100_000))),
     "holdout.astronaut.model.hidden"),
    ("200,000 seeds on a lazy entry", at(("lazy", "circle_widths", "base", "train", "seeds"), list(range(200_000))),
     "lazy.circle_widths.base.model.width"),
]


def main() -> int:
    schema = load_schema(ROOT / "schemas" / "config.schema.yaml")
    preflight_limit_gb = 24  # the memory of the machine the project's numbers are quoted for
    base = yaml.safe_load((ROOT / "config.yaml").read_text())
    refused = accepted = 0
    for what, mutate, key in CASES:
        cfg = copy.deepcopy(base)
        mutate(cfg)
        try:
            validate(cfg, schema)
            cfg["preflight"]["memory_gb"] = preflight_limit_gb
            preflight.check(cfg)
        except ConfigError as exc:
            ok = f"config error at {key}" in str(exc) if key else str(exc).startswith("config error")
            refused += ok
            print(f"{'refused' if ok else 'REFUSED, OTHER KEY'}: {what}: {str(exc)[:150]}")
            continue
        accepted += 1
        gpu = " (this machine has a GPU)" if what.startswith("device") and torch.cuda.is_available() else ""
        print(f"ACCEPTED: {what}{gpu}")
    print(f"\n{len(CASES)} bad configs: {refused} refused before any job naming the key, {accepted} accepted")
    return 0 if refused == len(CASES) else 1


if __name__ == "__main__":
    sys.exit(main())
