"""The published EGRU figures beside a run, and what would close the latency gap (by hand)."""
import pytest

from scenarios.nazeer2024 import (TABLE_II, gap_candidates, gpu_comparison_lines, gpu_gap,
                                  like_for_like_energy_j, paper_comparison_lines)

RESULT = {"latency_per_token_s": 0.004, "power_w": 0.3, "energy_per_token_j": 0.0005,
          "tick_s": 0.001, "latency_breakdown_s": {"host_link": 0.0005, "compute": 0.001},
          "config": {"model": {"hidden": [10, 10, 10]}}}


def test_the_like_for_like_energy_is_power_times_latency():
    assert like_for_like_energy_j(RESULT) == pytest.approx(0.3 * 0.004)


def test_each_candidate_alone_closes_the_gap():
    # gap = 0.17025 - 0.004 = 0.16625 s
    rows = {r["mechanism"].split(" (")[0]: r for r in gap_candidates(RESULT, 0.17025)}
    assert rows["tokens in one inference, one after another"]["needed"] == pytest.approx(0.17025 / 0.004)
    assert rows["tokens in one inference, pipelined one per tick"]["needed"] == pytest.approx(1 + 166.25)
    assert rows["host link time per token"]["needed"] == pytest.approx(0.0005 + 0.16625)
    assert rows["timer tick"]["needed"] == pytest.approx(0.001 + 0.16625 / 3)
    assert rows["compute time per token"]["factor"] == pytest.approx((0.001 + 0.16625) / 0.001)


def test_the_report_lines_put_the_paper_beside_the_run():
    lines = paper_comparison_lines(RESULT, "spinnaker2")
    assert lines[2] == (f"| latency per inference (s) | {TABLE_II['spinnaker2']['latency_s']:.4g} | "
                        f"0.004 | {0.004 / 0.17025:.3g} |")
    assert paper_comparison_lines(RESULT, "loihi") == [
        "Nazeer et al. report no figures for machine 'loihi'."]


GPU = {"machine": "a100", "latency_per_token_s": 0.0002, "power_w": 100.0, "decoder": True,
       "latency_breakdown_s": {"host_link": 1e-5, "launch": 3.24e-5, "compute": 5e-6,
                               "memory": 1.526e-4},
       "kernels_per_token": 12, "hidden": [10, 10, 10], "weight_bytes": 2e8,
       "flops_per_token": 1e8, "weights_in": "chip0.hbm2"}


def test_the_a100_gap_in_tokens_launches_and_pytorch_ops():
    g = gpu_gap(GPU)
    assert g["tokens_one_by_one"] == pytest.approx(0.0199 / 0.0002)
    assert g["launch_s"] == pytest.approx(2.7e-6)                 # 32.4 us / 12 launches
    assert g["tokens_launch_bound"] == pytest.approx(0.0199 / (2 * 3 * 2.7e-6))
    assert g["pytorch_ops"] == pytest.approx(((0.0199 - 0.0002) / 25e-6, (0.0199 - 0.0002) / 5e-6))


def test_the_gpu_lines_put_the_a100_row_beside_the_run():
    lines = gpu_comparison_lines(GPU)
    assert lines[2] == f"| latency per inference (s) | 0.0199 | 0.0002 | {0.0002 / 0.0199:.3g} |"
    assert gpu_comparison_lines(dict(GPU, machine="loihi")) == [
        "Nazeer et al. report no figures for machine 'loihi'."]
