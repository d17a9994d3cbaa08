"""Typed config objects (specbias.settings): generated from each study's schema, equal to the
validated entries they are built from, with the schema's defaults, and strict about keys."""
import dataclasses
import sys

import pytest
import yaml

from specbias import schema, settings, studies
from specbias.config import ConfigError, load_config_file, validate
from specbias.studies.convergence import Convergence
from wfutil import ROOT, TINY

CONFIGS = ["config.yaml", "configs/quick.yaml", "configs/paper_circle.yaml", "configs/realdata_cpu.yaml"]


@pytest.mark.parametrize("section", studies.sections())
def test_committed_settings_are_the_generation_of_the_schema(section):
    cls = studies.get(section)
    assert settings.settings_file(cls).read_text() == settings.generate(cls), (
        f"run `python -m specbias.settings` after editing {section}/schema.yaml")


@pytest.mark.parametrize("source", CONFIGS + ["tiny"])
def test_every_entry_round_trips_through_its_typed_object(source):
    raw = TINY if source == "tiny" else load_config_file(ROOT / source)
    cfg = validate(yaml.safe_load(yaml.safe_dump(raw)), schema.assemble())
    count = 0
    for study in studies.bind(cfg).values():
        for name in study.entries:
            typed = study.settings(name)
            assert typed.to_dict() == study.entries[name], f"{study.section}.{name}"
            count += 1
    assert count > 0


def _schema_defaults(cls, node: dict, defs: dict, where: str):
    """(where, the class's default, the schema's default) of every property with a default that is not a
    nested class (those are compared in test_nested_defaults_equal_what_validation_fills_in), walking nested classes."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    assert set(fields) == set(node.get("properties", {})), where
    for key, sub in node["properties"].items():
        f = fields[key]
        sub = {**defs.get(sub.get("$ref", "").split("/")[-1], {}), **sub}
        nested = f.metadata.get("settings")
        if "default" in sub:
            if not nested:
                value = f.default if f.default is not dataclasses.MISSING else f.default_factory()
                yield f"{where}.{key}", settings._plain(value), sub["default"]
        elif key in node.get("required", []):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, f"{where}.{key} is required"
        else:
            assert f.default is None and f.metadata.get("omit_none"), f"{where}.{key} may be left out"
        if nested and "properties" in sub and f.metadata.get("container") is None:
            yield from _schema_defaults(nested, sub, defs, f"{where}.{key}")


@pytest.mark.parametrize("section", studies.sections())
def test_every_default_and_required_key_is_the_schemas(section):
    cls = studies.get(section)
    fragment = yaml.safe_load(cls.schema_file().read_text())
    defs = {**yaml.safe_load(schema.COMMON.read_text())["$defs"], **fragment.get("$defs", {})}
    checked = 0
    for where, ours, theirs in _schema_defaults(cls.settings_module().Entry, fragment["entry"], defs, section):
        assert ours == theirs, where  # a null default too (realdata's data.root, kernels.sigma, ...)
        checked += 1
    assert checked


def test_nested_defaults_equal_what_validation_fills_in():
    """A nested object left out gets the same values from its class as from the schema's filling."""
    entry = validate({"convergence": {"c": {"data": {"n": 16}, "model": {"width": 8}, "target": {"kappas": [1]},
                                            "train": {"lr": 0.1, "max_steps": 100}}}}, schema.assemble())["convergence"]["c"]
    bare = Convergence.settings_module().Entry.from_dict({k: entry[k] for k in ("data", "model", "target", "train")},
                                                          "convergence.c")
    assert bare.ntk.to_dict() == entry["ntk"] and bare.analysis.to_dict() == entry["analysis"]
    assert bare.train.kernel_records.probe == 256 and bare.train.criterion.kind == "half_sq_norm"


def test_a_key_the_job_was_not_given_raises_naming_it():
    part = Convergence.typed({"model": {"kind": "two_layer", "bias": True, "activation": "relu"}, "ntk": {"grid_size": 64}})
    assert part.model.bias is True and part.ntk.grid_size == 64
    with pytest.raises(AttributeError, match=r"convergence\.model\.width is not among this job's parameters"):
        part.model.width
    with pytest.raises(AttributeError, match=r"convergence\.train is not among"):
        part.train
    assert part.model.depth is None  # an optional key without a default is absent from whole entries too
    assert part.to_dict() == {"model": {"kind": "two_layer", "bias": True, "activation": "relu"}, "ntk": {"grid_size": 64}}


def test_unknown_and_missing_keys_are_refused_naming_the_path():
    with pytest.raises(ConfigError, match=r"convergence\.c\.model\.widht: not a key of Model"):
        Convergence.typed({"model": {"widht": 8}}, "convergence.c")
    with pytest.raises(ConfigError, match=r"convergence\.c\.model\.width: a required key is missing"):
        Convergence.typed({"data": {"n": 8}, "model": {}, "target": {"kappas": [1]}, "train": {"max_steps": 1}},
                          "convergence.c", partial=False)


def test_typed_objects_are_frozen_and_compare_by_value():
    a = Convergence.typed({"data": {"n": 8, "seed": 1}})
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.data.n = 9
    assert a == Convergence.typed({"data": {"n": 8, "seed": 1}}) and a != Convergence.typed({"data": {"n": 8, "seed": 2}})


def test_a_plugin_study_without_a_settings_file_gets_generated_classes(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "examples" / "plugins"))
    import ring_decay

    try:
        cfg = validate({"ring_decay": {"r": {"grid_size": 1024}}}, schema.assemble())
        typed = studies.bind(cfg)["ring_decay"].settings("r")
        assert typed.grid_size == 1024 and typed.fit_range == [10, 100] and type(typed).__name__ == "Entry"
        assert not settings.settings_file(ring_decay.RingDecay).exists()
    finally:
        studies._REGISTRY.pop("ring_decay", None)
        sys.modules.pop("ring_decay", None)


def test_checking_a_config_and_planning_its_jobs_imports_no_torch():
    """Every Snakemake process validates the config and plans jobs; neither needs torch or xarray
    (a job that computes imports them itself), so a dry run or a cluster job's Snakemake starts fast."""
    import subprocess

    code = f"""
import sys, yaml
from specbias import config, preflight, schema, studies
cfg = config.validate(yaml.safe_load({yaml.safe_dump(TINY)!r}), schema.assemble())
preflight.check(cfg)
targets = [t for study in studies.bind(cfg).values() for t in study.targets()]
conv = studies.bind(cfg)["convergence"]
for name, entry in conv.entries.items():
    conv._plan().train_params(entry), conv._plan().ntk_params(entry), conv._plan().arc_step_applies(entry)
for section in ("coordinate", "holdout", "lazy"):
    study = studies.bind(cfg)[section]
    for name in study.entries:
        study.figures(name, study.entries[name])
print(len(targets), sorted(m for m in ("torch", "xarray", "pandas") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 30 and out[1:] == ["[]"], out


def test_declared_builtin_names_are_what_the_modules_register():
    """A registry that lists its built-in kinds without importing their modules lists exactly those."""
    from specbias import registry

    declared = [t for t in vars(registry).values() if isinstance(t, registry.Registry) and t._declared is not None]
    assert registry.MODELS in declared
    for table in declared:
        table._load()
        assert [n for n, cls in table._table.items() if cls.__module__ in table._builtins] == list(table._declared)
