"""The scenario framework (registry, --set overrides, run directories) and the async_sgd
scenario on a tiny configuration."""
import csv
import json

import pytest

from eventsim.errors import ConfigError
from scenarios import describe, load, run_scenario, scenario_names
from scenarios.config import apply_overrides, parse_set, parse_value
from scenarios.rundir import read_ledger_csv

TINY = ["train.epochs=1", "threads=[2]", 'machines=["cpu_multicore"]', "train.eval_every=20",
        "plots.representative_threads=2", "delay_study.means=[0, 1]"]


def test_registry_lists_async_sgd_with_a_description():
    assert "async_sgd" in scenario_names()
    rows = {r["name"]: r["description"] for r in describe()}
    assert rows["async_sgd"]
    s = load("async_sgd")
    assert s.description == rows["async_sgd"]
    assert "description" not in s.defaults
    assert {"train.epochs", "threads", "memory.ipu_gc200", "layerwise.fwd_bwd_ratio"} <= \
        set(s.keys())


def test_every_scenario_names_the_machines_its_ledgers_ran_on_for_its_estimated_share():
    assert [n for n in scenario_names()
            if not {"machine", "ledger_machine"} & set(vars(load(n).module))] == []


def test_unknown_scenario_names_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown scenario 'nope'.*async_sgd"):
        load("nope")


@pytest.mark.parametrize("text, value", [
    ("10", 10), ("0.5", 0.5), ("true", True), ("[4, 8]", [4, 8]), ('"a b"', "a b"),
    ("ipu_gc200", "ipu_gc200"), ("chip0.l3", "chip0.l3"), ("{ a = 1 }", {"a": 1}),
])
def test_values_are_toml_literals_or_bare_strings(text, value):
    assert parse_value(text) == value


def test_overrides_apply_dotted_keys_and_keep_the_defaults():
    defaults = {"a": 1, "t": {"x": 0.5, "name": "n", "flag": False}, "l": [1]}
    got = apply_overrides(defaults, [parse_set("t.x=2"), parse_set("l=[3, 4]"),
                                     parse_set("t.flag = true")])
    assert got == {"a": 1, "t": {"x": 2.0, "name": "n", "flag": True}, "l": [3, 4]}
    assert isinstance(got["t"]["x"], float)
    assert defaults["t"]["x"] == 0.5 and defaults["l"] == [1]


@pytest.mark.parametrize("item, message", [
    ("t.y=1", r"unknown config key 't.y'; valid keys: a, t.x, t.name"),
    ("a.b=1", r"unknown config key 'a.b'"),
    ("zz=1", r"unknown config key 'zz'"),
    ("a=1.5", r"a must be an integer \(default 1\), got 1.5"),
    ("a=true", r"a must be an integer"),
    ("t.name=3", r"t.name must be a string"),
    ("t.x=fast", r"t.x must be a number \(default 0.5\), got 'fast'"),
])
def test_bad_overrides_name_the_key(item, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides({"a": 1, "t": {"x": 0.5, "name": "n"}}, [parse_set(item)])


@pytest.mark.parametrize("item", ["noequals", "=3", "a..b=1"])
def test_malformed_set_items_are_refused(item):
    with pytest.raises(ConfigError, match="--set"):
        parse_set(item)


def test_open_tables_take_new_keys():
    got = apply_overrides({"memory": {"m1": "x"}}, [parse_set("memory.m2=chip0.dram")],
                          open_tables=("memory",))
    assert got["memory"] == {"m1": "x", "m2": "chip0.dram"}
    with pytest.raises(ConfigError, match="unknown config key"):
        apply_overrides({"memory": {"m1": "x"}}, [parse_set("memory.m2=y")])


@pytest.mark.parametrize("sets, message", [
    (["machines=[\"no_such_machine\"]"], "machines must be a non-empty list of presets"),
    (["methods=[\"adam\"]"], "methods must be a non-empty list of"),
    (["threads=[0]"], "threads must be a non-empty list of integers >= 1"),
    (["train.epochs=0"], "train.epochs must be >= 1"),
    (["layerwise.fwd_bwd_ratio=[1]"], r"fwd_bwd_ratio must be \[forward, backward\]"),
    (["threads=[3]", "methods=[\"layerwise-async\"]"], "no method can run"),
    (["delay_study.kind=\"none\""], r"delay_study.kind must be one of \['constant', "),
    (["delay_study.means=[-1]"], r"delay_study.means must be a list of distinct numbers >= 0"),
    (["delay_study.gantt_mean=3.0"], r"delay_study.gantt_mean must be one of"),
    (["delay_study.layerwise_ratios=[[1]]"], r"delay_study.layerwise_ratios must be"),
    (["delay_study.fraction=0.0"], r"delay_study.fraction must be a number in \(0, 1\]"),
    (["methods=[\"layerwise-async\"]", "delay_study.layerwise_ratios=[[1, 2]]",
      "delay_study.threads=4"], r"delay_study: no series can run at delay_study.threads = 4: "
                                r"layerwise-async 1:2: needs a multiple of forward \+ backward"),
])
def test_async_sgd_checks_its_config_before_running(sets, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        run_scenario("async_sgd", sets, out=tmp_path)
    assert not any(tmp_path.rglob("*")), "nothing written for a refused config"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    warnings = []
    result, run_dir = run_scenario("async_sgd", TINY, seed=3, out=out, trace=True,
                                   warn=warnings.append)
    return result, run_dir, out, warnings


def test_tiny_async_sgd_run_writes_result_ledger_plots_and_report(tiny_run):
    result, run_dir, out, warnings = tiny_run
    assert run_dir.parent == out / "async_sgd"
    assert run_dir.name == result["run_id"]
    assert not [p for p in run_dir.parent.iterdir() if p.name.startswith(".")]
    doc = json.loads((run_dir / "result.json").read_text())
    assert doc["scenario"] == "async_sgd" and doc["seed"] == 3
    assert doc["config"]["train"]["epochs"] == 1 and doc["config"]["threads"] == [2]
    assert {"numpy", "numba", "simpy", "scipy", "eventsim"} <= set(doc["versions"])
    assert all(doc["versions"][k] for k in ("numpy", "numba", "simpy", "scipy", "eventsim"))
    methods = doc["methods"]
    assert [(m["method"], m["threads"], m["machine"]) for m in methods] == [
        ("sync", 2, "cpu_multicore"), ("hogwild", 2, "cpu_multicore"),
        ("layerwise-async", 2, "cpu_multicore")]
    for m in methods:
        for key in ("method", "threads", "machine", "time_to_target_s", "final_accuracy",
                    "mean_staleness", "energy_j", "epochs_to_target", "staleness_by_layer",
                    "utilisation", "curves"):
            assert key in m, key
        assert 0.0 <= m["final_accuracy"] <= 1.0 and m["energy_j"] > 0
        assert set(m["staleness_by_layer"]) == {"0", "1"}
        assert m["curves"]["epoch"][0] == 0 and m["curves"]["epoch"][-1] == pytest.approx(1.0)
        assert "gantt" in m                                     # the representative runs
    assert methods[0]["mean_staleness"] == 0.0                  # sync is never stale
    assert methods[2]["forward_threads"] == 1 and methods[2]["backward_threads"] == 1
    assert doc["trace"] is False and len(warnings) == 1 and "nothing to trace" in warnings[0]
    for name in doc["files"]:
        assert (run_dir / name).is_file(), name
    pngs = [f for f in doc["files"] if f.endswith(".png")]
    assert {"curves_cpu_multicore.png", "time_to_target_energy.png",
            "utilisation_cpu_multicore_2t.png", "gantt_cpu_multicore_2t.png",
            "staleness_cpu_multicore.png", "delay_study.png", "gantt_delays.png"} == set(pngs)
    assert all((run_dir / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    with open(run_dir / "ledger.csv") as f:
        rows = list(csv.DictReader(f))
    study = {f"delay_study/{label}/{mean}" for mean in (0, 1) for label in
             ("sync", "hogwild", "layerwise-async 1:1", "layerwise-async 1:2")}
    assert {r["run"] for r in rows} == {"cpu_multicore/sync/2", "cpu_multicore/hogwild/2",
                                        "cpu_multicore/layerwise-async/2"} | study
    for m in methods:
        run = f"{m['machine']}/{m['method']}/{m['threads']}"
        total = sum(float(r["energy_pj"]) for r in rows if r["run"] == run) * 1e-12
        assert total == pytest.approx(m["energy_j"], rel=1e-9)
    report = (run_dir / "report.md").read_text()
    assert "| cpu_multicore | layerwise-async | 2 (1F+1B) |" in report
    assert "## Delay study" in report and "### Beside the paper" in report


def test_every_async_sgd_run_has_the_estimated_share_of_its_ledger(tiny_run):
    result, run_dir, _, _ = tiny_run
    share = json.loads((run_dir / "result.json").read_text())["estimated_share"]
    ledgers = read_ledger_csv(run_dir / "ledger.csv")
    assert list(share["runs"]) == list(ledgers) and len(ledgers) == 3 + 8 and share["note"]
    for run, rows in ledgers.items():
        s = share["runs"][run]
        # every cpu_multicore number a used row rests on is an estimate (only counts, sizes
        # and the clocks are cited): flop energy and cycles, L3 and DDR4, static powers
        assert (s["energy"], s["busy_time"]) == (1.0, 1.0), run
        chip = sum(r["energy_pj"] for r in rows if (r["component"], r["action"]) ==
                   ("chip0", "static"))
        on = dict(zip(s["numbers"], s["numbers_energy"]))
        assert on["chip.static_power_w"] == pytest.approx(
            chip / sum(r["energy_pj"] for r in rows), rel=1e-12)
    assert "## Estimated numbers" in (run_dir / "report.md").read_text()


def test_the_delay_study_runs_every_series_at_every_delay(tiny_run):
    study = tiny_run[0]["delay_study"]
    # unit: backward FLOPs at batch 32 of layer 0 (no grad_in) 2*32*64*64 + 32*64 + 32*64 =
    # 266240 and of layer 1 2*(2*32*64*10) + 32*10 = 82240, at 0.0625 cycles / 2.45 GHz:
    # 6791837 and 2097959 ps, mean 4444898 ps
    assert study["unit_ps"] == round((6791837 + 2097959) / 2) == 4444898
    assert [s["label"] for s in study["series"]] == [
        "sync", "hogwild", "layerwise-async 1:1", "layerwise-async 1:2"]
    assert [(r["label"], r["mean_units"], r["mean_ps"]) for r in study["runs"]] == [
        (s["label"], m, round(m * 4444898)) for m in (0, 1) for s in study["series"]]
    for r in study["runs"]:
        total, count = sum(r["delay_ps"]), sum(r["delay_count"])
        assert (total == 0 and count == 0) if r["mean_units"] == 0 else (total > 0 and count > 0)
        assert len(r["delay_ps"]) == study["threads"] == 6
    assert [g["label"] for g in study["gantt"]] == [s["label"] for s in study["series"]]
    assert all(g["delays"]["thread"] for g in study["gantt"])        # gantt_mean 1: delays drawn


def test_the_delay_comparison_of_hand_made_times():
    from scenarios.async_sgd_delays import comparison
    series = [{"label": "sync", "method": "sync", "fwd_bwd_ratio": None},
              {"label": "hogwild", "method": "hogwild", "fwd_bwd_ratio": None},
              {"label": "lw", "method": "layerwise-async", "fwd_bwd_ratio": [1, 2]}]
    times = {"sync": [1.0, 3.0, 6.0], "hogwild": [1.5, 1.0, None], "lw": [2.0, 2.0, 3.0]}
    runs = [{"label": l, "mean_units": m, "time_to_target_s": t[i]}
            for l, t in times.items() for i, m in enumerate((0, 1, 2))]
    (c,) = comparison({"means": [0, 1, 2], "series": series, "runs": runs})
    assert c["sync_over_layerwise"] == [0.5, 1.5, 2.0]
    assert c["ahead_of_sync_from_units"] == 1
    assert c["largest_vs_sync"] == {"ratio": 2.0, "at_units": 2}
    assert c["hogwild_over_layerwise"] == [0.75, 0.5, None]
    assert c["ahead_of_hogwild_from_units"] == 2          # Hogwild! never reaches it at 2
    assert c["largest_vs_hogwild"] == {"ratio": 0.75, "at_units": 0}


def test_same_config_and_seed_give_the_same_numbers_and_hash(tiny_run, tmp_path):
    result, run_dir, _, _ = tiny_run
    again, run_dir2 = run_scenario("async_sgd", TINY, seed=3, out=tmp_path)
    assert run_dir2.name.split("-")[2] == run_dir.name.split("-")[2]     # the config hash
    strip = ("compile_s", "wall_s")
    for a, b in zip(result["methods"], again["methods"]):
        assert {k: v for k, v in a.items() if k not in strip} == \
            {k: v for k, v in b.items() if k not in strip}
    assert result["delay_study"] == again["delay_study"]
