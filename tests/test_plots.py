"""The standard figures (scenarios.plots), redrawing them from a run directory
(scenarios.redraw) and the `plot` command: the data shaping by hand, the figures as PNG files."""
import argparse
import json
import struct

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from scenarios import plots
from scenarios.output import write_json, write_ledger_csv
from scenarios.redraw import add_plot_parser, file_stem, standard_plots
from scenarios.run_data import save_run_data
from scenarios.rundir import RunDirError, read_ledger_csv

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

ROWS = [  # hand-made ledger rows; energies exact in binary floating point
    {"component": "chip0.core0", "action": "synop", "count": 10, "energy_pj": 10.0, "busy_ps": 100},
    {"component": "chip0.core1", "action": "synop", "count": 5, "energy_pj": 5.0, "busy_ps": 50},
    {"component": "chip0.core1", "action": "neuron_update", "count": 1, "energy_pj": 2.5,
     "busy_ps": 20},
    {"component": "chip1.core7", "action": "static", "count": 0, "energy_pj": 1.0, "busy_ps": 0},
    {"component": "chip0.core0", "action": "packet_send", "count": 2, "energy_pj": 0.25,
     "busy_ps": 8},
    {"component": "chip0.link3.r0-r1", "action": "flit", "count": 4, "energy_pj": 4.0,
     "busy_ps": 0},
    {"component": "chip0.link4.r1-r0", "action": "flit", "count": 6, "energy_pj": 6.0,
     "busy_ps": 0},
    {"component": "chip0.router2", "action": "static", "count": 0, "energy_pj": 0.5, "busy_ps": 0},
    {"component": "chip0", "action": "static", "count": 0, "energy_pj": 100.0, "busy_ps": 0},
    {"component": "chip0.l3", "action": "read", "count": 7, "energy_pj": 7.0, "busy_ps": 70},
    {"component": "host_link", "action": "to_chip", "count": 3, "energy_pj": 3.0, "busy_ps": 30},
]
TOTAL_PJ = 139.25


def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels of a PNG file; fails unless it starts as a PNG does."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def assert_png(path):
    width, height = png_size(path)
    assert width > 100 and height > 100 and path.stat().st_size > 1000


def run_fields(seed=0):
    """Every run-data field of a small run: 3 populations, 6 cores, a 3x2 mesh on 2 chips plus
    one chip-to-chip link, 200 latencies."""
    rng = np.random.default_rng(seed)
    spike_t = np.sort(rng.integers(0, 2_000_000, 500))
    src, dst, chip = [], [], []
    for c in range(2):
        for x in range(3):
            for y in range(2):
                for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    if 0 <= x + dx < 3 and 0 <= y + dy < 2:
                        src.append((x, y)), dst.append((x + dx, y + dy)), chip.append(c)
    src.append((0, 0)), dst.append((0, 0)), chip.append(0)
    n_busy = 3000
    return {
        "spike_time_ps": spike_t, "spike_neuron": rng.integers(0, 40, 500),
        "spike_population": rng.integers(0, 3, 500).astype(np.int32),
        "population_names": np.array(["in", "hidden", "out"]),
        "busy_core": rng.integers(0, 6, n_busy).astype(np.int32),
        "busy_start_ps": rng.integers(0, 2_000_000, n_busy),
        "busy_dur_ps": rng.integers(10, 2_000, n_busy),
        "busy_label": rng.integers(0, 2, n_busy).astype(np.int32),
        "busy_label_names": np.array(["synop", "neuron_update"]),
        "n_cores": np.array([8]), "duration_ps": np.array([2_000_000]),
        "link_src_xy": np.array(src, np.int32), "link_dst_xy": np.array(dst, np.int32),
        "link_chip": np.array(chip, np.int32),
        "link_flits": rng.integers(0, 50, len(src)),
        "latency_s": rng.lognormal(-11, 0.4, 200),
    }


def make_run_dir(path, *, ledger=True, data=True):
    path.mkdir(parents=True)
    write_json(path / "result.json", {"scenario": "toy", "run_id": path.name, "seed": 0,
                                      "config": {}, "energy_j": 1e-10})
    if ledger:
        write_ledger_csv(path / "ledger.csv",
                         {"sparse": ROWS, "dense/x": [dict(r, energy_pj=2 * r["energy_pj"])
                                                     for r in ROWS]})
    if data:
        save_run_data(path, {"sparse": run_fields(), "dense": {"latency_s": [1e-6, 2e-6]}})
    return path


# --------------------------------------------------------------------------- data shaping

def test_merge_intervals_joins_overlaps_and_gaps_up_to_the_limit():
    start, end = [0, 12, 30, 5, 20], [10, 20, 35, 8, 22]
    got = plots.merge_intervals(start, end, 0)
    assert [g.tolist() for g in got] == [[0, 12, 30], [10, 22, 35]]
    got = plots.merge_intervals(start, end, 2)
    assert [g.tolist() for g in got] == [[0, 30], [22, 35]]
    got = plots.merge_intervals(start, end, 1.5)
    assert [g.tolist() for g in got] == [[0, 12, 30], [10, 22, 35]]
    got = plots.merge_intervals(start, end, 8)
    assert [g.tolist() for g in got] == [[0], [35]]
    got = plots.merge_intervals([], [], 5)
    assert [g.tolist() for g in got] == [[], []]


def test_busy_per_bin_splits_intervals_at_bin_edges():
    # bins of 10 ps: [3,7) and [8,25) and the empty [21,21); [25,40) is cut at 30
    got = plots.busy_per_bin([3, 8, 21, 25], [7, 25, 21, 40], 10, 3)
    assert got.tolist() == [4 + 2, 10, 5 + 5]
    assert plots.busy_per_bin([0], [100], 10, 3).tolist() == [10, 10, 10]


def test_gantt_bars_cut_where_the_busiest_label_changes():
    # label 0 [0,30), label 1 [30,35) and [100,110), label 0 [200,201) widened to a bin
    s, e, lab = plots.gantt_bars([0, 30, 100, 200], [30, 35, 110, 201], [0, 1, 1, 0], 2, 10)
    assert s.tolist() == [0, 30, 100, 200]
    assert e.tolist() == [30, 35, 110, 210]
    assert lab.tolist() == [0, 1, 1, 0]
    # within one bin the label with more busy time wins: 6 ps of label 1 against 4 of label 0
    s, e, lab = plots.gantt_bars([0, 4], [4, 10], [0, 1], 2, 10)
    assert (s.tolist(), e.tolist(), lab.tolist()) == ([0], [10], [1])


def test_busiest_keeps_the_largest_totals_ties_to_the_lower_id():
    ids, weights = [9, 3, 0, 7, 3, 0], [1, 10, 5, 20, 10, 0]
    assert plots.busiest(ids, weights, 2).tolist() == [3, 7]
    assert plots.busiest(ids, weights, 3).tolist() == [0, 3, 7]
    assert plots.busiest(ids, weights, 10).tolist() == [0, 3, 7, 9]


def test_subsample_step_leaves_at_most_the_limit():
    assert plots.subsample_step(600_000, 200_000) == 3
    assert plots.subsample_step(200_001, 200_000) == 2
    assert plots.subsample_step(200_000, 200_000) == 1
    assert plots.subsample_step(0, 200_000) == 1


@pytest.mark.parametrize("component, kind", [
    ("chip0.core12", "cores"), ("chip3.core0", "cores"), ("chip0.link7.r1-r2", "links"),
    ("chip1.router4", "routers"), ("chip2", "chips"), ("chip0.l3", "l3"),
    ("chip0.ddr4", "ddr4"), ("host_link", "host_link"), ("chip0.core", "core"),
    ("chipset.x", "chipset.x"),
])
def test_component_kind(component, kind):
    assert plots.component_kind(component) == kind


def test_energy_by_kind_sums_each_kind_and_action():
    got = plots.energy_by_kind(ROWS)
    assert got == {"cores": {"synop": 15.0, "neuron_update": 2.5, "static": 1.0,
                             "packet_send": 0.25},
                   "links": {"flit": 10.0}, "routers": {"static": 0.5},
                   "chips": {"static": 100.0}, "l3": {"read": 7.0},
                   "host_link": {"to_chip": 3.0}}
    assert sum(sum(a.values()) for a in got.values()) == TOTAL_PJ


def test_energy_by_part_takes_memory_port_reads_and_writes_as_memory():
    got = plots.energy_by_part(ROWS)
    assert got == {"compute": {"synop": 15.0, "neuron_update": 2.5},
                   "noc": {"packet_send": 0.25, "flit": 10.0}, "memory": {"read": 7.0},
                   "host_link": {"to_chip": 3.0}, "static": {"static": 101.5}}
    assert sum(sum(a.values()) for a in got.values()) == TOTAL_PJ


def test_units_are_chosen_by_range():
    assert plots.time_unit(5e-3) == ("ms", 1e-3)
    assert plots.time_unit(0.5e-3) == ("µs", 1e-6)
    assert plots.time_unit(1.0) == ("s", 1.0)
    assert plots.time_unit(0.0) == ("ps", 1e-12)
    assert plots.energy_unit(1.8e11) == ("mJ", 1e9)
    assert plots.energy_unit(999.0) == ("pJ", 1.0)
    assert plots.energy_unit(1e3) == ("nJ", 1e3)


def test_ledger_csv_reads_back_with_types(tmp_path):
    write_ledger_csv(tmp_path / "ledger.csv", {"a/b": ROWS[:2]})
    assert read_ledger_csv(tmp_path / "ledger.csv") == {"a/b": ROWS[:2]}


def test_file_stem_keeps_names_safe():
    assert file_stem("cpu_multicore/sync/4") == "cpu_multicore_sync_4"
    assert file_stem("egru-0.8") == "egru-0.8"


# --------------------------------------------------------------------------- figures

def test_each_figure_function_writes_a_png(tmp_path):
    f = run_fields()
    names = [
        plots.spike_raster(tmp_path / "r.png", f["spike_time_ps"], f["spike_neuron"],
                           f["spike_population"], f["population_names"], max_spikes=100),
        plots.core_gantt(tmp_path / "g.png", f["busy_core"], f["busy_start_ps"],
                         f["busy_dur_ps"], f["busy_label"], f["busy_label_names"], max_rows=4),
        plots.noc_heatmap(tmp_path / "n.png", f["link_src_xy"], f["link_dst_xy"],
                          f["link_chip"], f["link_flits"], max_chips=1),
        plots.energy_breakdown(tmp_path / "e.png", {"one": ROWS}, top_n=3),
        plots.latency_histogram(tmp_path / "l.png", f["latency_s"]),
        plots.latency_histogram(tmp_path / "l2.png", {"a": [1e-9, 1e-3], "b": [np.nan, 2e-6]}),
    ]
    assert names == ["r.png", "g.png", "n.png", "e.png", "l.png", "l2.png"]
    for name in names:
        assert_png(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # no temporary left


def test_figures_of_empty_data_are_drawn(tmp_path):
    empty = np.zeros(0, np.int64)
    plots.spike_raster(tmp_path / "r.png", empty, empty, empty, ["a"])
    plots.core_gantt(tmp_path / "g.png", empty, empty, empty, empty, ["synop"])
    plots.noc_heatmap(tmp_path / "n.png", np.zeros((0, 2)), np.zeros((0, 2)), empty, empty)
    plots.latency_histogram(tmp_path / "l.png", [])
    for name in ("r.png", "g.png", "n.png", "l.png"):
        assert_png(tmp_path / name)


def test_mismatched_arrays_are_refused_naming_them(tmp_path):
    with pytest.raises(ValueError, match="spike_neuron"):
        plots.spike_raster(tmp_path / "r.png", [1, 2], [0], [0, 0], ["a"])
    with pytest.raises(ValueError, match="busy_label must index busy_label_names"):
        plots.core_gantt(tmp_path / "g.png", [0], [0], [5], [2], ["synop"])
    assert not any(tmp_path.iterdir())


def test_standard_plots_draws_every_figure_whose_data_is_there(tmp_path):
    run = make_run_dir(tmp_path / "run")
    files = standard_plots(run)
    assert files == ["raster_sparse.png", "gantt_sparse.png", "noc_sparse.png",
                     "latency_sparse.png", "latency_dense.png", "energy_breakdown.png"]
    for name in files:
        assert_png(run / name)


def test_standard_plots_writes_to_out_and_skips_missing_data(tmp_path):
    run = make_run_dir(tmp_path / "run", data=False)
    assert standard_plots(run, tmp_path / "figs") == ["energy_breakdown.png"]
    assert_png(tmp_path / "figs" / "energy_breakdown.png")
    assert not (run / "energy_breakdown.png").exists()
    bare = make_run_dir(tmp_path / "bare", ledger=False, data=False)
    assert standard_plots(bare) == []


def test_standard_plots_draws_a_partial_run_directory_without_result_json(tmp_path):
    # a scenario's plots() runs in <out>/<scenario>/.<run-id>.partial before result.json exists
    run = make_run_dir(tmp_path / "toy" / ".20260101-000000-abcdef12.partial", ledger=False)
    (run / "result.json").unlink()
    assert standard_plots(run) == ["raster_sparse.png", "gantt_sparse.png", "noc_sparse.png",
                                   "latency_sparse.png", "latency_dense.png"]
    assert plots.standard_plots(run, tmp_path / "figs",
                                result={"scenario": "toy", "run_id": "x"})[0] == \
        "raster_sparse.png"
    assert_png(tmp_path / "figs" / "raster_sparse.png")


def test_standard_plots_refuses_a_path_that_is_no_directory(tmp_path):
    with pytest.raises(RunDirError, match=r"not a run directory: .*nope' \(does not exist\)"):
        standard_plots(tmp_path / "nope")
    with pytest.raises(RunDirError, match="not a directory"):
        standard_plots(tmp_path / "nope", result={"scenario": "toy", "run_id": "x"})


# --------------------------------------------------------------------------- command

def _parse(argv):
    parser = argparse.ArgumentParser(prog="eventsim")
    add_plot_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_plot_command_prints_what_it_wrote(tmp_path, capsys):
    run = make_run_dir(tmp_path / "run", data=False)
    args = _parse(["plot", str(run), "--out", str(tmp_path / "figs")])
    assert args.func(args) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'figs' / 'energy_breakdown.png'}\n"
    args = _parse(["plot", str(run)])
    assert args.func(args) == 0
    assert capsys.readouterr().out == f"wrote {run / 'energy_breakdown.png'}\n"


def test_plot_command_exits_2_for_a_bad_directory(tmp_path, capsys):
    args = _parse(["plot", str(tmp_path / "nope")])
    assert args.func(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"eventsim plot: not a run directory: '{tmp_path / 'nope'}' (does not exist)\n"


@pytest.mark.parametrize("content, message", [
    (None, "has no result.json"), ("{", "is not valid JSON"),
    (json.dumps({"scenario": "toy"}), "lacks ['run_id']"),
])
def test_plot_command_exits_2_for_a_directory_that_is_not_a_run_directory(tmp_path, capsys,
                                                                          content, message):
    make_run_dir(tmp_path / "run")
    if content is None:
        (tmp_path / "run" / "result.json").unlink()
    else:
        (tmp_path / "run" / "result.json").write_text(content)
    args = _parse(["plot", str(tmp_path / "run")])
    assert args.func(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("eventsim plot: ") and message in err
    assert not list((tmp_path / "run").glob("*.png"))
