"""The EGRU scenarios (egru_spinnaker2, sparsity, noc_dse) on tiny models of the paper's shape
(three EGRU layers, so every test shares one compiled network kernel)."""
import csv
import json

import pytest

from eventsim.cli import main
from eventsim.errors import ConfigError
from hardware_models.placement import PlacementError
from hardware_models.presets import preset
from scenarios import load, run_scenario
from scenarios.breakdown import PARTS
from scenarios.output import write_ledger_csv
from scenarios.uncertainty import share_of_run_dir

TINY_MODEL = ["model.vocab=50", "model.embedding=16", "model.hidden=[32, 32, 32]"]
TINY = TINY_MODEL + ["tokens=3", "dense.tokens=1", "trace_ticks=1"]
REQUIRED = ("latency_per_token_s", "energy_per_token_j", "power_w", "cores_used",
            "activity_sparsity")


@pytest.fixture(scope="module")
def egru_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("egru")
    return run_scenario("egru_spinnaker2", TINY, seed=1, out=out)


def test_the_result_has_the_per_token_figures_for_the_egru_and_the_dense_gru(egru_run):
    result, run_dir = egru_run
    on_disk = json.loads((run_dir / "result.json").read_text())
    for key in REQUIRED:
        assert isinstance(on_disk[key], (int, float)) and on_disk[key] >= 0
        assert isinstance(on_disk["dense"][key], (int, float))
    assert on_disk["dense"]["activity_sparsity"] == 0.0
    assert on_disk["config"]["model"]["hidden"] == [32, 32, 32]


def test_energy_parts_add_up_to_the_ledger_of_each_run(egru_run):
    result, run_dir = egru_run
    with open(run_dir / "ledger.csv") as f:
        rows = list(csv.DictReader(f))
    for run, summary in (("egru", result), ("dense", result["dense"])):
        ledger_j = sum(float(r["energy_pj"]) for r in rows if r["run"] == run) * 1e-12
        assert set(summary["energy_breakdown_j"]) == set(PARTS)
        assert sum(summary["energy_breakdown_j"].values()) == pytest.approx(ledger_j, rel=1e-12)
        assert summary["energy_j"] == pytest.approx(ledger_j, rel=1e-12)
        assert summary["energy_per_token_j"] == pytest.approx(ledger_j / summary["tokens"])


def test_a_token_passes_one_tick_per_layer_plus_its_last_steps_work_and_the_host_link(egru_run):
    result, _ = egru_run
    tick = result["tick_s"]
    parts = result["latency_breakdown_s"]
    assert result["latency_per_token_s"] == pytest.approx(sum(parts.values()), rel=1e-9)
    # 3 layers: the token's last step starts 3 ticks after its first
    on_chip = result["latency_per_token_s"] - parts["host_link"]
    assert 3 * tick <= on_chip <= 4 * tick
    # host link: 2 x 100 us latency + 16 x 4 B in + 8 B per event out at 125 MB/s
    assert parts["host_link"] >= 200e-6 + 64 / 125e6


def test_the_same_model_runs_as_gpu_kernels_on_the_a100_for_the_papers_a100_row(egru_run):
    result, run_dir = egru_run
    gpu = result["gpu"]
    assert gpu["machine"] == "a100" and gpu["exchange"] == "memory"
    # embedding lookup + 3 kernels per layer x 3 layers + decoder GEMM and log-softmax
    assert gpu["kernels_per_token"] == 12
    assert gpu["latency_breakdown_s"]["launch"] == pytest.approx(12 * 2.7e-6)
    assert gpu["latency_per_token_s"] == pytest.approx(sum(gpu["latency_breakdown_s"].values()))
    assert "### The same model as GPU kernels on a100" in (run_dir / "report.md").read_text()


def test_the_run_writes_the_standard_figures(egru_run):
    result, run_dir = egru_run
    for name in ("raster_egru.png", "gantt_egru.png", "noc_egru.png", "latency_egru.png",
                 "energy_breakdown.png", "report.md", "run_data.npz"):
        assert (run_dir / name).stat().st_size > 0, name


def test_json_prints_result_json_and_trace_writes_a_perfetto_file(tmp_path, capsys):
    code = main(["run", "egru_spinnaker2", *sum((["--set", s] for s in TINY), []),
                 "--set", "dense.enabled=false", "--out", str(tmp_path), "--json", "--trace",
                 "--no-progress"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert "dense" not in printed and printed["trace"] is True
    run_dir = tmp_path / "egru_spinnaker2" / printed["run_id"]
    trace = json.loads((run_dir / "trace.json").read_text())
    assert any(e.get("ph") == "X" for e in trace["traceEvents"])


@pytest.mark.parametrize("key, value, message", [
    ("model.weight_sparsity", "1.5", "model.weight_sparsity"),
    ("dvfs", "turbo", "dvfs must be one of"),
    ("tick_us", "0", "tick_us"),
    ("model.hidden", "[]", "model.hidden"),
])
def test_bad_values_are_refused_before_anything_runs(key, value, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        run_scenario("egru_spinnaker2", [f"{key}={value}"], out=tmp_path)
    assert not any(tmp_path.rglob("result.json"))


def test_the_sparsity_grid_measures_each_cell_against_the_multiplicative_prediction(tmp_path):
    result, _ = run_scenario("sparsity", TINY_MODEL + [
        "tokens=3", "grid.weight_sparsity=[0.0, 0.75]", "grid.activity_sparsity=[0.7, 0.9]"],
        out=tmp_path)
    cells = result["cells"]
    assert [(c["weight_sparsity"], c["activity_sparsity_target"]) for c in cells] == \
        [(0.0, 0.7), (0.0, 0.9), (0.75, 0.7), (0.75, 0.9)]
    assert cells[0]["composition_ratio"] == 1.0          # the baseline predicts itself
    ops = [c["synaptic_ops_per_token"] for c in cells]
    assert ops[0] > ops[1] and ops[0] > ops[2] > ops[3]


def test_noc_dse_fills_the_mesh_and_refuses_more_cores_than_it_has():
    s = load("noc_dse")
    m = s.module.design(s.resolve(["hardware.mesh_width=3", "hardware.mesh_height=2",
                                   "hardware.cores=0", "hardware.sram_kib_per_core=64"]))
    assert m.core.count == 3 * 2 * 4 and m.core.sram_bytes == 64 * 1024
    assert (m.noc.width, m.noc.height) == (3, 2)
    with pytest.raises(ConfigError, match="does not fit a 3 x 2 mesh"):
        s.resolve(["hardware.mesh_width=3", "hardware.mesh_height=2", "hardware.cores=25"])


@pytest.mark.parametrize("point, numbers", [
    (['dvfs="low"', "hardware.mesh_width=6"],
     {"core.actions.mac_array.energy_pj": 0.75, "noc.hop_energy_pj": 0.25}),
    (['dvfs="high"', "hardware.mesh_width=8"],
     {"core.actions.mac_array.energy_pj": 0.75, "core.dvfs[1].energy_scale": 0.75,
      "noc.hop_energy_pj": 0.25})])
def test_each_noc_dse_design_point_has_the_share_of_its_own_machine(point, numbers, tmp_path):
    s = load("noc_dse")
    config = s.resolve(point + ["hardware.cores=0"])
    m = s.module.design(config)
    link = m.noc.link_id[(0, 1)]
    write_ledger_csv(tmp_path / "ledger.csv", {"egru": [
        {"component": "chip0.core0", "action": "mac_array", "count": 4, "energy_pj": 30.0,
         "busy_ps": 1000},
        {"component": f"chip0.link{link}.r0-r1", "action": "flit", "count": 2,
         "energy_pj": 10.0, "busy_ps": 500}]})
    share = share_of_run_dir(s.module, config, tmp_path)
    # Every SpiNNaker2 energy number the rows rest on is an estimate but dvfs[0].energy_scale;
    # mac_array's cycles and both DVFS clocks are cited, the flit's hop latency is an estimate
    # (its link bandwidth is the design's): energy 40 / 40, busy time 500 / 1500.
    expected = {"energy": 1.0, "busy_time": 500 / 1500, "numbers": list(numbers),
                "numbers_energy": list(numbers.values())}
    assert {k: share[k] for k in expected} == expected
    assert share["runs"] == {"egru": expected} and "design point" in share["note"]


def test_the_numbers_a_noc_dse_design_sets_are_the_designs_not_the_presets_estimates():
    s = load("noc_dse")
    m = s.module.design(s.resolve(["hardware.link_bandwidth_bytes_per_s=3e7"]))
    path = "noc.link_bandwidth_bytes_per_s"
    assert preset("spinnaker2").estimated(path) and not m.estimated(path)
    assert m.number(path) == m.noc.link_bandwidth_bytes_per_s == 3e7
    assert m.sources[path] == "design point: noc_dse config hardware.link_bandwidth_bytes_per_s"
    assert m.sources["core.count"] == "design point: noc_dse config hardware.cores"
    assert m.estimated("core.actions.synop.energy_pj")          # the preset's own numbers stay


def test_a_noc_dse_design_too_small_for_the_model_is_a_placement_error(tmp_path):
    with pytest.raises(PlacementError):
        run_scenario("noc_dse", TINY_MODEL + ["tokens=2", "hardware.sram_kib_per_core=1",
                                              "hardware.cores=4"], out=tmp_path)


@pytest.mark.parametrize("threshold", [0.05, -0.05])
def test_a_given_threshold_is_used_as_is(threshold, tmp_path):
    # -0.05: units send events from the first step on, before any token reaches them
    result, _ = run_scenario("egru_spinnaker2", TINY + [
        "model.activity_sparsity=-1", f"model.threshold={threshold}", "dense.enabled=false"],
        out=tmp_path)
    assert result["threshold"] == [threshold] * 3 and result["activity_sparsity_target"] is None
    if threshold < 0:       # c > -0.05 holds for most units most of the time
        assert result["activity_sparsity"] < 0.5
