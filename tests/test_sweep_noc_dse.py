"""The shipped noc_dse sweep (scenarios/noc_dse.toml) and a tiny one through ``eventsim sweep``:
a design whose SRAM cannot hold the network is recorded as failed and the sweep goes on."""
import contextlib
import io
import json
import sqlite3

import pytest

from eventsim.cli import main
from scenarios import SCENARIO_DIR
from scenarios.sweeps import load_sweep
from scenarios.rundir import read_ledger_csv
from scenarios.sweeps.runner import check_points

TINY = '''
scenario = "noc_dse"
[sweep]
workers = 1
objectives = ["min:energy_per_token_at_min_tick_j", "min:token_period_s", "min:cores",
              "min:area_mm2"]
[sweep.parameters]
"hardware.sram_kib_per_core" = [0.25, 64]   # 256 B cannot hold a unit's synapses
[sweep.fixed]
"model.vocab" = 50
"model.embedding" = 16
"model.hidden" = [32, 32, 32]
"model.weight_sparsity" = 0.0      # dense: 192 synapses into each unit of egru2
tokens = 2
'''


def test_the_shipped_noc_dse_sweep_is_a_grid_of_16_valid_designs():
    spec = load_sweep(SCENARIO_DIR / "noc_dse.toml")
    points = spec.points().points
    assert spec.scenario == "noc_dse" and len(points) == 2 * 2 * 2 * 2
    assert check_points("noc_dse", points) == 0


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    """The TINY sweep run through ``eventsim sweep``: (its output folder, what it printed)."""
    tmp_path = tmp_path_factory.mktemp("sweep")
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    return tmp_path / "out", printed.getvalue()


def test_a_design_that_does_not_fit_is_recorded_with_its_error(tiny_sweep):
    out, printed = tiny_sweep
    assert "2 points: 1 done (1 feasible, 0 infeasible), 1 failed" in printed
    with sqlite3.connect(out / "results.sqlite") as db:
        rows = db.execute("select status, error from points order by idx").fetchall()
    assert rows[0][0] == "failed" and rows[0][1].startswith("PlacementError")
    assert rows[1] == ("done", None)


def test_a_design_points_estimated_share_is_that_of_its_ledger_and_a_sweep_metric(tiny_sweep):
    out, _ = tiny_sweep
    with sqlite3.connect(out / "results.sqlite") as db:
        run_dir, metrics = db.execute("select run_dir, metrics_json from points "
                                      "where status = 'done'").fetchone()
    share = json.loads((out / run_dir / "result.json").read_text())["estimated_share"]
    (rows,) = read_ledger_csv(out / run_dir / "ledger.csv").values()
    # On SpiNNaker2 at DVFS "low" every energy number a row rests on is an estimate (but
    # dvfs[0].energy_scale, which no row rests on alone), and every time number but
    # mac_array's cycles and the clock (cited) and the design's link bandwidth
    busy = sum(r["busy_ps"] for r in rows)
    mac_array = sum(r["busy_ps"] for r in rows if r["action"] == "mac_array")
    assert set(share["runs"]) == {"egru"} and share["energy"] == 1.0
    assert share["busy_time"] == pytest.approx(1 - mac_array / busy, rel=1e-12)
    metrics = json.loads(metrics)
    assert (metrics["estimated_share.energy"], metrics["estimated_share.busy_time"]) == \
        (share["energy"], share["busy_time"])


def test_a_design_points_area_is_its_cores_sram_routers_and_the_rest_of_its_chip(tiny_sweep):
    out, _ = tiny_sweep
    with sqlite3.connect(out / "results.sqlite") as db:
        metrics = json.loads(db.execute("select metrics_json from points "
                                        "where status = 'done'").fetchone()[0])
    # the SpiNNaker2 preset's [area]: 152 PEs of 0.24 mm² logic + 64 KiB x 0.0017 mm² SRAM,
    # 7 x 6 routers of 0.10 mm², LPDDR4 PHYs 6.0 mm², the rest of the chip 22.24 mm²
    assert metrics["area_mm2"] == pytest.approx(152 * (0.24 + 64 * 0.0017) + 42 * 0.10 + 6.0
                                                + 22.24, rel=1e-12)
    assert (out / "pareto.md").read_text().count("area_mm2") >= 1
