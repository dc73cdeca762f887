"""The shipped noc_dse sweep (scenarios/noc_dse.toml) and a tiny one through ``eventsim sweep``:
a design whose SRAM cannot hold the network is recorded as failed and the sweep goes on."""
import sqlite3

from eventsim.cli import main
from scenarios import SCENARIO_DIR
from scenarios.sweeps import load_sweep
from scenarios.sweeps.runner import check_points

TINY = '''
scenario = "noc_dse"
[sweep]
workers = 1
objectives = ["min:energy_per_token_at_min_tick_j", "min:token_period_s", "min:cores"]
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


def test_a_design_that_does_not_fit_is_recorded_with_its_error(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "2 points: 1 done (1 feasible, 0 infeasible), 1 failed" in printed
    with sqlite3.connect(tmp_path / "out" / "results.sqlite") as db:
        rows = db.execute("select status, error from points order by idx").fetchall()
    assert rows[0][0] == "failed" and rows[0][1].startswith("PlacementError")
    assert rows[1] == ("done", None)
