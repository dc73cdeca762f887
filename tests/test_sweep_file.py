"""The sweep file format: what it accepts, what it refuses (naming key and value), the
scenario-TOML form, and the up-front check of every point against the scenario."""
import shutil
import textwrap
import tomllib

import pytest

import scenarios
from eventsim.errors import ConfigError
from scenarios.sweeps.design import Range, Values
from scenarios.sweeps.objectives import Constraint, Objective
from scenarios.sweeps import sweep_file
from scenarios.sweeps.runner import check_points
from scenarios.sweeps.sweep_file import load_sweep, parse_sweep

def documented_example() -> str:
    """The example sweep file of the format's documentation (sweep_file's docstring)."""
    block = sweep_file.__doc__.split("names its scenario::\n\n", 1)[1]
    return textwrap.dedent(block.split("\n\nor a scenario's own TOML", 1)[0])


def write(tmp_path, text, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_documented_example_reads_as_written(tmp_path):
    spec = load_sweep(write(tmp_path, documented_example()))
    assert spec.scenario == "async_sgd"
    assert spec.description == "learning rate and threads of layer-wise async SGD"
    assert (spec.design, spec.samples, spec.seed, spec.run_seed, spec.workers) == \
        ("lhs", 16, 1, 0, 2)
    assert spec.parameters == (Range("train.lr", 0.01, 0.5, log=True),
                               Range("train.batch_size", 8, 64, integer=True),
                               Values("threads", ([2], [4], [8])))
    assert spec.fixed == {"train.epochs": 1, "machines": ["cpu_multicore"],
                          "methods": ["layerwise-async"]}
    assert spec.objectives == (Objective("methods.0.energy_j", "min"),
                               Objective("methods.0.final_accuracy", "max"))
    assert spec.constraints == (Constraint("methods.0.final_accuracy", ">=", 0.5),
                                Constraint("methods.0.elapsed_s", "<", 0.01))
    assert spec.metric_keys == ["methods.0.energy_j", "methods.0.final_accuracy",
                                "methods.0.elapsed_s"]
    points = spec.points().points
    assert len(points) == 16
    assert check_points("async_sgd", points) == 0     # every key is a config key of async_sgd


def test_defaults_grid_seed_0_run_seed_0_and_two_workers_at_most():
    spec = parse_sweep({"parameters": {"threads": [[2], [4]]}, "objectives": ["min:wall_s"]},
                       scenario="async_sgd")
    assert (spec.design, spec.samples, spec.seed, spec.run_seed) == ("grid", None, 0, 0)
    assert 1 <= spec.workers <= 2
    assert [p.params for p in spec.points().points] == [{"threads": [2]}, {"threads": [4]}]


BASE = {"parameters": {"train.lr": [0.1, 0.2]}, "objectives": ["min:wall_s"]}


@pytest.mark.parametrize("change, message", [
    ({"design": "sobol"}, r"sweep.design must be one of \['grid', 'random', 'lhs'\], got 'sobol'"),
    ({"desing": "grid"}, r"unknown sweep key\(s\) \['desing'\]; valid keys: design, samples"),
    ({"samples": 4}, r"sweep.samples applies to random and lhs designs only .* got samples = 4"),
    ({"design": "lhs"}, r"sweep.samples \(the number of points\) is required for a lhs design"),
    ({"design": "random", "samples": 0}, r"sweep.samples must be an integer >= 1, got 0"),
    ({"run_seed": -1}, r"sweep.run_seed must be an integer >= 0, got -1"),
    ({"workers": 0}, r"sweep.workers must be an integer >= 1, got 0"),
    ({"parameters": {}}, r"sweep.parameters must be a table of at least one dotted config key"),
    ({"parameters": {"train.lr": 0.1}}, r"sweep.parameters.train.lr must be a list of values "
                                        r"or a \{min, max, ...\} range table, got 0.1"),
    ({"parameters": {"train.lr": []}}, r"sweep.parameters.train.lr: the list of values is empty"),
    ({"parameters": {"threads": [[2], [2]]}}, r"sweep.parameters.threads: value \[2\] is listed "
                                              r"twice"),
    ({"parameters": {"train.lr": {"min": 0.1}}}, r"sweep.parameters.train.lr: a range needs "
                                                 r"both min and max"),
    ({"parameters": {"train.lr": {"min": 0.5, "max": 0.1, "steps": 3}}},
     r"sweep.parameters.train.lr: min must be < max, got min = 0.5, max = 0.1"),
    ({"parameters": {"train.lr": {"min": 0, "max": 1, "log": True, "steps": 3}}},
     r"sweep.parameters.train.lr: a log range needs min > 0, got min = 0"),
    ({"parameters": {"train.epochs": {"min": 1, "max": 2.5, "integer": True, "steps": 2}}},
     r"an integer range needs integer min and max, got min = 1, max = 2.5"),
    ({"parameters": {"train.lr": {"min": 0.1, "max": 0.2}}},
     r"sweep.parameters.train.lr: a range needs steps \(the number of grid values, >= 2\)"),
    ({"parameters": {"train.lr": {"min": 0.1, "max": 0.2, "steps": 1}}},
     r"sweep.parameters.train.lr.steps must be an integer >= 2, got 1"),
    ({"design": "lhs", "samples": 4, "parameters": {"train.lr": {"min": 0.1, "max": 0.2,
                                                                 "steps": 3}}},
     r"sweep.parameters.train.lr.steps applies to a grid design only .* got steps = 3"),
    ({"parameters": {"train.lr": {"min": 0.1, "max": 0.2, "step": 3}}},
     r"sweep.parameters.train.lr: unknown range key\(s\) \['step'\]"),
    ({"fixed": {"train.lr": 0.3}}, r"sweep key\(s\) \['train.lr'\] are both swept .* and fixed"),
    ({"fixed": {"train.epochs": 1, "train": {"epochs": 2}}},
     r"sweep.fixed: key 'train.epochs' is given twice \(quoted and as TOML dotted keys\)"),
    ({"objectives": []}, r'sweep.objectives must list at least one "min:KEY" or "max:KEY"'),
    ({"objectives": ["energy_j"]}, r'sweep.objectives\[0\] must be "min:KEY" or "max:KEY" .*'
                                   r"got 'energy_j'"),
    ({"objectives": ["min:a", "least:b"]}, r"sweep.objectives\[1\] must be .* got 'least:b'"),
    ({"objectives": ["min:a", "max:a"]}, r"sweep.objectives name \['a'\] more than once"),
    ({"constraints": ["a =< 3"]}, r'sweep.constraints\[0\] must be "KEY OP VALUE" with OP one of '
                                  r"<=, <, >=, >, ==, got 'a =< 3'"),
    ({"constraints": ["a <= fast"]}, r"sweep.constraints\[0\]: <= needs a finite number on the "
                                     r"right, got 'fast'"),
    ({"constraints": "a <= 3"}, r"sweep.constraints must be a list of strings, got 'a <= 3'"),
])
def test_bad_sweep_tables_are_refused_naming_key_and_value(change, message):
    with pytest.raises(ConfigError, match=message):
        parse_sweep({**BASE, **change}, scenario="async_sgd")


def test_constraints_compare_numbers_strings_and_booleans():
    c = Constraint.parse('methods.0.method == "sync"')
    assert c == Constraint("methods.0.method", "==", "sync")
    assert c.violation({"methods.0.method": "sync"}) is None
    assert c.violation({"methods.0.method": "hogwild"}) == \
        "methods.0.method == \"sync\" (got 'hogwild')"
    assert Constraint.parse("flag == true").violation({"flag": 1}) == "flag == true (got 1)"
    le = Constraint.parse("latency_s<=0.002")
    assert le.violation({"latency_s": 0.002}) is None
    assert le.violation({"latency_s": 0.0021}) == "latency_s <= 0.002 (got 0.0021)"
    assert le.violation({}) == "latency_s missing"
    assert le.violation({"latency_s": None}) == "latency_s <= 0.002 (got None)"


@pytest.mark.parametrize("text, message", [
    ("", r"no \[sweep\] table"),
    ("[sweep\n", r"not valid TOML"),
    ('scenario = "nope"\n[sweep]\n', r"unknown scenario 'nope'"),
    ('scenario = "async_sgd"\nthreads = [2]\n[sweep]\n',
     r"unknown top-level key\(s\) \['threads'\] in a sweep file; valid: scenario, description, "
     r"sweep \(config values for every point go in \[sweep.fixed\]\)"),
    ('[sweep]\nobjectives = ["min:x"]\n', r"no scenario key, and sweep.toml is not a "
                                          r"scenario's TOML"),
])
def test_bad_sweep_files_name_the_file_and_the_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as e:
        load_sweep(path)
    assert str(e.value).startswith(f"{path}: ")


def test_a_missing_sweep_file_is_named():
    with pytest.raises(ConfigError, match=r"sweep file 'no/such.toml' does not exist"):
        load_sweep("no/such.toml")


SWEEP_TABLE = '''
[sweep]
objectives = ["min:methods.0.energy_j"]
[sweep.parameters]
threads = [[2], [4]]
'''


def test_a_scenario_toml_with_a_sweep_table_sweeps_that_scenario(tmp_path):
    text = (scenarios.SCENARIO_DIR / "async_sgd.toml").read_text() + SWEEP_TABLE
    spec = load_sweep(write(tmp_path, text, "async_sgd.toml"))
    assert spec.scenario == "async_sgd"
    assert spec.description == scenarios.load("async_sgd").description
    assert spec.parameters == (Values("threads", ([2], [4])),)


def test_a_copied_scenario_toml_with_other_defaults_is_refused(tmp_path):
    text = (scenarios.SCENARIO_DIR / "async_sgd.toml").read_text().replace(
        "epochs = 10", "epochs = 3") + SWEEP_TABLE
    with pytest.raises(ConfigError, match=r"a copy of scenario async_sgd's TOML whose defaults "
                                          r"differ .* \(first at train.epochs: 3 here, 10 there\)"):
        load_sweep(write(tmp_path, text, "async_sgd.toml"))


def test_load_and_describe_set_a_scenarios_sweep_table_aside(tmp_path, monkeypatch):
    shutil.copy(scenarios.SCENARIO_DIR / "async_sgd.toml", tmp_path / "async_sgd.toml")
    with open(tmp_path / "async_sgd.toml", "a") as f:
        f.write(SWEEP_TABLE)
    (tmp_path / "async_sgd.py").write_text("")  # the registry looks for <name>.py beside
    monkeypatch.setattr(scenarios, "SCENARIO_DIR", tmp_path)
    s = scenarios.load("async_sgd")
    assert s.sweep == tomllib.loads(SWEEP_TABLE)["sweep"]
    assert "sweep" not in s.defaults and "sweep" not in s.keys()
    assert s.resolve(["threads=[2]"])["threads"] == [2]
    assert [r["name"] for r in scenarios.describe()] == ["async_sgd"]


def test_scenarios_without_a_sweep_table_have_none():
    assert scenarios.load("async_sgd").sweep is None


def _points(parameters, fixed=None):
    spec = parse_sweep({"parameters": parameters, "fixed": fixed or {},
                        "objectives": ["min:wall_s"]}, scenario="async_sgd")
    return spec.points().points


def test_unknown_or_mistyped_keys_name_the_point():
    with pytest.raises(ConfigError, match=r"sweep point 0 \(train.lrr=0.1\): unknown config key "
                                          r"'train.lrr'"):
        check_points("async_sgd", _points({"train.lrr": [0.1]}))
    with pytest.raises(ConfigError, match=r"sweep point 1 \(train.epochs=1.5\): train.epochs must "
                                          r"be an integer \(default 10\), got 1.5"):
        check_points("async_sgd", _points({"train.epochs": [1, 1.5]}))


def test_points_failing_the_scenario_check_run_as_failures_unless_all_fail():
    assert check_points("async_sgd", _points({"train.epochs": [1, 0, 2]})) == 1
    with pytest.raises(ConfigError, match=r"every one of the 2 sweep points fails scenario "
                                          r"async_sgd's check, e.g. point 0 \(train.epochs=1, "
                                          r"threads=\[0\]\): threads must be a non-empty list"):
        check_points("async_sgd", _points({"threads": [[0], [-1]]}, {"train.epochs": 1}))
