"""Every kept small run (``golden_runs``) gives the result recorded before the runtime's
layout changed: the same spikes, counts, step times and ledger counts exactly, energies and
floats to a relative 1e-12 (only the order of a sum may differ)."""
import json
import math

import pytest

import golden_runs

RECORD = json.loads(golden_runs.RECORD.read_text())


def _same(got, want, where):
    if isinstance(want, dict):
        assert set(got) == set(want), where
        for k in want:
            _same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            _same(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-9), (where, got, want)
    else:
        assert got == want, (where, got, want)


@pytest.mark.parametrize("case", sorted(golden_runs.CASES))
def test_a_kept_run_gives_its_recorded_result(case):
    _same(golden_runs.CASES[case](), RECORD[case], case)
