"""The validation machinery: checks and verdicts, running cases whatever they do, the report,
exit status, missing data and peers that cannot be installed."""
import itertools
import json
import types

import numpy as np
import pytest

from eventsim.cli import main
from scenarios.validation import case_names, load_case
from scenarios.validation.check import (ERROR, MISS, PASS, SKIPPED, BreakdownRow, CaseResult,
                                        CaseSkipped, Check)
from scenarios.validation.report import summary_table, validation_markdown
from scenarios.validation.suite import exit_status, run_module, run_validation


def check(value, reference=10.0, **tol):
    return Check("latency", "ms", reference, value, "paper, Table 1", **tol)


def test_the_error_is_relative_to_the_reference_in_percent():
    assert check(12.5, rel_tol=0.1).error_pct == 25.0
    assert check(7.5, rel_tol=0.1).error_pct == -25.0
    assert check(7.5, reference=0.0, abs_tol=1).error_pct is None


def test_a_relative_tolerance_includes_its_bound():
    assert check(11.0, rel_tol=0.1).passed
    assert not check(11.01, rel_tol=0.1).passed


def test_an_absolute_tolerance_of_zero_asks_for_equality():
    assert check(3.0, reference=3.0, abs_tol=0).verdict == PASS
    assert check(4.0, reference=3.0, abs_tol=0).verdict == MISS


def test_a_bound_passes_at_or_below_the_reference():
    assert check(10.0, at_most=True).passed
    assert not check(10.5, at_most=True).passed


def test_a_value_that_is_not_finite_never_passes():
    assert not check(float("nan"), rel_tol=1.0).passed
    assert not check(float("inf"), at_most=True).passed


@pytest.mark.parametrize("tol", [{}, {"rel_tol": 0.1, "abs_tol": 1.0}, {"rel_tol": -0.1}])
def test_a_check_needs_exactly_one_valid_tolerance(tol):
    with pytest.raises(ValueError, match="latency"):
        check(10.0, **tol)


def test_tolerances_read_as_text():
    assert check(1, rel_tol=0.02).tolerance == "±2 %"
    assert check(1, abs_tol=0).tolerance == "±0 ms"
    assert check(1, at_most=True).tolerance == "<= reference"


def test_a_case_passes_only_when_it_has_checks_and_all_pass():
    ok, bad = check(10.0, rel_tol=0), check(11.0, rel_tol=0)
    assert CaseResult("a", "A", checks=[ok]).verdict == PASS
    assert CaseResult("a", "A", checks=[ok, bad]).verdict == MISS
    assert CaseResult("a", "A").verdict == ERROR
    assert CaseResult("a", "A", checks=[ok], status=SKIPPED).verdict == SKIPPED


def case_module(run):
    return types.SimpleNamespace(TITLE="a test case", GROUP="theory", run=run)


def test_a_case_that_cannot_run_is_skipped_with_its_one_line_reason(tmp_path):
    def run(ctx):
        raise CaseSkipped("peer nest cannot be installed: no wheel")
    r = run_module("t", case_module(run), tmp_path)
    assert (r.verdict, r.message) == (SKIPPED, "peer nest cannot be installed: no wheel")


def test_a_case_that_raises_is_an_error_naming_the_exception_and_line(tmp_path):
    def run(ctx):
        raise ZeroDivisionError("division by zero")
    r = run_module("t", case_module(run), tmp_path)
    assert r.verdict == ERROR
    assert r.message.startswith("ZeroDivisionError: division by zero (test_validation.py:")


def test_a_case_gets_its_output_folder_and_progress_function(tmp_path):
    said = []
    def run(ctx):
        ctx.say("hello")
        return CaseResult("t", "a test case", checks=[check(10.0, rel_tol=0)],
                          notes=[str(ctx.out_dir)])
    r = run_module("t", case_module(run), tmp_path, said.append)
    assert (r.verdict, r.notes, said) == (PASS, [str(tmp_path)], ["hello"])


def test_exit_status_is_0_all_pass_1_a_miss_2_a_case_that_could_not_run():
    ok = CaseResult("a", "A", checks=[check(10.0, rel_tol=0)])
    miss = CaseResult("b", "B", checks=[check(11.0, rel_tol=0)])
    skipped = CaseResult("c", "C", status=SKIPPED, message="why")
    assert exit_status([ok]) == 0
    assert exit_status([ok, miss]) == 1
    assert exit_status([ok, miss, skipped]) == 2


def test_the_summary_has_one_row_per_check_with_every_column():
    r = CaseResult("egru", "E", checks=[check(12.5, rel_tol=0.1)])
    assert summary_table([r])[2] == ("| egru | latency | 10 ms | paper, Table 1 | 12.5 ms | "
                                     "+25.00 % | ±10 % | **miss** |")


def test_a_case_that_could_not_run_is_one_row_with_its_reason():
    r = CaseResult("nest_cuba", "N", status=SKIPPED, message="peer nest cannot be installed")
    assert summary_table([r])[2] == ("| nest_cuba | | | | | | | **skipped**: peer nest cannot "
                                     "be installed |")


def test_a_miss_shows_where_the_difference_comes_from():
    r = CaseResult("sanafe", "S", checks=[check(12.5, rel_tol=0.1)],
                   breakdown=[BreakdownRow("soma energy", "uJ", 2.0, 3.5, "spike-out cost")])
    md = validation_markdown([r], None)
    assert "### Where the difference comes from" in md
    assert "| soma energy | 2 uJ | 3.5 uJ | 1.5 uJ | spike-out cost |" in md


def test_an_unknown_case_is_reported_and_the_others_still_run(tmp_path, monkeypatch):
    import scenarios.validation.suite as suite
    monkeypatch.setattr(suite, "load_case", lambda name: case_module(
        lambda ctx: CaseResult(name, "fine", checks=[check(10.0, rel_tol=0)])))
    results = run_validation(["a", "b"], tmp_path)
    assert [r.verdict for r in results] == [PASS, PASS]
    doc = json.loads((tmp_path / "validation.json").read_text())
    assert [c["name"] for c in doc["cases"]] == ["a", "b"]
    assert (tmp_path / "validation.md").exists() and (tmp_path / "validation_errors.png").exists()


def test_eventsim_validate_names_an_unknown_case_in_one_line_and_exits_2(tmp_path, capsys):
    assert main(["validate", "no_such_case", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("eventsim validate:")] == [
        f"eventsim validate: no_such_case: error: unknown validation case 'no_such_case'; "
        f"cases: {sorted(case_names())}"]
    assert "**error**: unknown validation case" in (tmp_path / "validation.md").read_text()


def test_cases_run_in_workers_come_back_in_order_with_their_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTSIM_SHARED_DATA", str(tmp_path))     # the workers inherit it
    said = []
    results = run_validation(["no_such_case", "nir_lif"], tmp_path, said.append, jobs=2)
    assert [(r.name, r.verdict) for r in results] == [("no_such_case", ERROR),
                                                     ("nir_lif", SKIPPED)]
    assert results[1].message.startswith(f"reference data {tmp_path / 'nir_paper/lif'} is absent")
    assert sorted(said) == sorted([
        "[1/2] no_such_case ...", "[2/2] nir_lif ...",
        f"[1/2] no_such_case: error in 0.0 s: {results[0].message}",
        f"[2/2] nir_lif: skipped in {results[1].wall_s:.1f} s: {results[1].message}"])
    doc = json.loads((tmp_path / "validation.json").read_text())
    assert [c["name"] for c in doc["cases"]] == ["no_such_case", "nir_lif"]


def test_every_case_declares_a_title_and_a_group():
    for name in case_names():
        case = load_case(name)
        assert case.TITLE and case.GROUP in ("theory", "simulator", "measurement")


def test_an_absent_reference_file_skips_the_case_naming_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTSIM_SHARED_DATA", str(tmp_path))
    r = run_module("nir_lif", load_case("nir_lif"), tmp_path)
    assert r.verdict == SKIPPED
    assert r.message == (f"reference data {tmp_path / 'nir_paper/lif'} is absent (it sits beside "
                         f"the repository as ../shared/data, or set EVENTSIM_SHARED_DATA)")


def test_a_peer_that_cannot_be_installed_skips_with_pips_reason(tmp_path, monkeypatch):
    from scenarios.validation import peers
    monkeypatch.setenv("EVENTSIM_PEERS_DIR", str(tmp_path))
    monkeypatch.setitem(peers.PEERS, "nosuch", peers.Peer(
        "nosuch", ("eventsim-no-such-peer-package==0.0.0",), "nosuch"))
    with pytest.raises(CaseSkipped, match=r"^peer nosuch cannot be installed "
                       r"\(eventsim-no-such-peer-package==0.0.0\): .+"):
        peers.peer_python("nosuch")
    assert not (tmp_path / "nosuch").exists()


# -- the closed forms the theory cases compare with, against brute force ----------------------

@pytest.mark.parametrize("k", [2, 3, 4, 8])
def test_mean_hops_of_uniform_traffic_is_the_mean_over_all_distinct_pairs(k):
    from scenarios.validation.cases.mesh_noc import mean_hops_uniform
    nodes = list(itertools.product(range(k), repeat=2))
    hops = [abs(a[0] - b[0]) + abs(a[1] - b[1]) for a in nodes for b in nodes if a != b]
    assert mean_hops_uniform(k) == pytest.approx(np.mean(hops), rel=1e-12)


@pytest.mark.parametrize("k", [4, 8])
def test_ideal_throughput_is_one_over_the_busiest_channel_load_of_dimension_order_routes(k):
    from scenarios.validation.cases.mesh_noc import ideal_throughput
    nodes = list(itertools.product(range(k), repeat=2))
    load = {}
    for a, b in itertools.product(nodes, nodes):
        if a == b:
            continue
        x, y = a
        while (x, y) != b:                          # x first, then y
            nxt = (x + np.sign(b[0] - x), y) if x != b[0] else (x, y + np.sign(b[1] - y))
            load[(x, y), nxt] = load.get(((x, y), nxt), 0) + 1 / (len(nodes) - 1)
            x, y = nxt
    assert ideal_throughput(k, 1.0) == pytest.approx(1 / max(load.values()), rel=1e-12)


def test_the_md1_formula_at_half_load_waits_half_a_service():
    from scenarios.validation.cases.md1_queue import pollaczek_khinchine_wait_ps
    assert pollaczek_khinchine_wait_ps(0.5, 2_000) == 1_000.0


def test_spike_steps_differing_in_count_are_infinitely_far_apart():
    from scenarios.validation.cases.nir_lif import max_step_difference
    assert max_step_difference(np.array([1, 5]), np.array([2, 5])) == 1.0
    assert max_step_difference(np.array([1, 5]), np.array([1])) == float("inf")
    assert max_step_difference(np.array([], int), np.array([], int)) == 0.0


# -- spike trains and their statistics ---------------------------------------------------------

def test_trains_compare_spike_for_spike_with_the_first_difference():
    from scenarios.validation.spike_trains import compare_trains
    c = compare_trains([0, 0, 3, 5], [1, 2, 0, 1], [0, 0, 4, 5], [2, 1, 0, 1], n_neurons=3)
    assert c == {"spikes_a": 4, "spikes_b": 4, "only_a": 1, "only_b": 1, "identical_prefix": 2,
                 "first_difference_step": 3}
    same = compare_trains([1], [0], [1], [0], n_neurons=1)
    assert (same["first_difference_step"], same["only_a"] + same["only_b"]) == (None, 0)


def test_activity_statistics_of_a_hand_made_train():
    from scenarios.validation.spike_trains import activity_statistics
    # neuron 0 spikes at steps 0, 2, 6 (ISIs 2, 4: CV 1/3), neuron 1 once, neuron 2 never;
    # dt 1 s, window [0, 8) s, bins of 4 s: counts [3, 1] -> Fano var/mean = 1 / 2
    s = activity_statistics([0, 2, 6, 1], [0, 0, 0, 1], 3, 1.0, 0.0, 8.0, bin_s=4.0)
    assert s == pytest.approx({"rate_hz": 4 / 3 / 8, "cv_isi": 1 / 3,
                               "silent_fraction": 1 / 3, "fano_factor": 0.5})
