"""The eventsim command line."""
import json
import subprocess
import sys

import pytest

from eventsim.cli import main


def test_bench_phold_json_prints_the_promised_keys(capsys):
    assert main(["bench", "phold", "--json", "--points", "1000", "--repeats", "1",
                 "--events", "20000"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    assert set(rows[0]) == {"pending", "events", "eventsim_events_per_s",
                            "simpy_callback_events_per_s", "simpy_process_events_per_s",
                            "compile_s"}
    assert rows[0]["pending"] == 1000 and rows[0]["events"] > 15_000
    assert rows[0]["eventsim_events_per_s"] > 0


def test_bench_phold_writes_its_table_and_result(tmp_path, capsys):
    assert main(["bench", "phold", "--points", "1000", "--repeats", "1", "--events", "5000",
                 "--out", str(tmp_path)]) == 0
    assert "| pending |" in capsys.readouterr().out
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["points"][0]["pending"] == 1000 and "python" in doc["machine"]
    assert (tmp_path / "table.md").read_text().startswith("| pending |")


@pytest.mark.parametrize("argv, message", [
    (["--points", "7"], "unknown PHOLD point(s) [7]"),
    (["--repeats", "0"], "--repeats must be >= 1, got 0"),
    (["--events", "-3"], "--events must be >= 1, got -3"),
])
def test_bad_bench_options_are_refused(argv, message, capsys):
    assert main(["bench", "phold", *argv]) == 2
    assert message in capsys.readouterr().err


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "eventsim.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "bench" in out and "demo" in out
