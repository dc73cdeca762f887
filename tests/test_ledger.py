"""The ledger: count x cost per action, static power x time, totals equal the sum of rows."""
import csv
import io
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from eventsim import ConfigError, Ledger
from eventsim.ledger import ledger_charge, ledger_charge_amount


def test_energy_is_count_times_cost_per_action():
    led = Ledger()
    syn = led.add_action("core0", "synop", energy_pj=23.6, busy_ps=3_500)
    ledger_charge(led.arrays, syn, 10)
    ledger_charge(led.arrays, syn, 5)
    row = led.rows(0)[0]
    assert row == {"component": "core0", "action": "synop", "count": 15,
                   "energy_pj": pytest.approx(15 * 23.6), "busy_ps": 15 * 3_500}


def test_explicit_amounts_are_added_as_given():
    led = Ledger()
    r = led.add_action("dram", "read")
    ledger_charge_amount(led.arrays, r, 64, 1_280.0, 10_000)
    assert led.rows(0)[0]["energy_pj"] == 1_280.0 and led.rows(0)[0]["count"] == 64


def test_static_power_in_watts_times_picoseconds_gives_picojoules():
    led = Ledger()
    led.set_static_power("chip", 0.5)
    rows = led.rows(2_000_000)   # 2 us at 0.5 W = 1 uJ = 1e6 pJ
    assert rows == [{"component": "chip", "action": "static", "count": 0,
                     "energy_pj": 1_000_000.0, "busy_ps": 0}]


@settings(max_examples=50, deadline=None)
@given(costs=st.lists(st.tuples(st.floats(0, 1e3), st.integers(0, 10_000), st.integers(0, 1_000)),
                      min_size=1, max_size=12),
       static=st.lists(st.floats(0, 5), max_size=3), elapsed=st.integers(0, 10**12))
def test_totals_equal_the_sum_of_rows(costs, static, elapsed):
    led = Ledger()
    for i, (e, b, n) in enumerate(costs):
        r = led.add_action(f"c{i % 3}", f"a{i}", energy_pj=e, busy_ps=b)
        ledger_charge(led.arrays, r, n)
    for j, p in enumerate(static):
        led.set_static_power(f"s{j}", p)
    led.check(elapsed)
    tot = led.totals(elapsed)
    rows = led.rows(elapsed)
    assert tot["count"] == sum(n for _, _, n in costs)
    assert math.isclose(tot["energy_pj"], math.fsum(r["energy_pj"] for r in rows),
                        rel_tol=1e-9, abs_tol=1e-9)
    assert tot["busy_ps"] == sum(b * n for _, b, n in costs)


def test_csv_export_round_trips_every_row():
    led = Ledger()
    r = led.add_action("core0", "mac", energy_pj=0.1)
    ledger_charge(led.arrays, r, 3)
    led.set_static_power("core0", 1e-3)
    rows = list(csv.DictReader(io.StringIO(led.to_csv(1_000))))
    assert [(x["component"], x["action"], int(x["count"])) for x in rows] == \
        [("core0", "mac", 3), ("core0", "static", 0)]
    assert float(rows[0]["energy_pj"]) == 3 * 0.1 and float(rows[1]["energy_pj"]) == 1.0


def test_dict_export_carries_rows_and_totals():
    led = Ledger()
    led.add_action("a", "x", energy_pj=2.0)
    ledger_charge(led.arrays, 0, 2)
    d = led.to_dict(0)
    assert d["totals"]["energy_pj"] == 4.0 and len(d["rows"]) == 1 and d["elapsed_ps"] == 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(energy_pj=-1.0), r"core0.read.energy_pj must be finite and >= 0, got -1.0"),
    (dict(energy_pj=float("nan")), r"energy_pj must be finite and >= 0, got nan"),
    (dict(busy_ps=2.5), r"core0.read.busy_ps must be a number, got 2.5"),
    (dict(energy_pj="3"), r"energy_pj must be a number, got '3'"),
])
def test_bad_costs_are_refused_naming_the_field(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Ledger().add_action("core0", "read", **kwargs)


def test_an_action_is_registered_once():
    led = Ledger()
    led.add_action("core0", "read")
    with pytest.raises(ConfigError, match="already in the ledger"):
        led.add_action("core0", "read")
    with pytest.raises(ConfigError, match="other than 'static'"):
        led.add_action("core0", "static")


def test_rows_added_later_keep_earlier_counts():
    led = Ledger()
    a = led.add_action("x", "a", energy_pj=1.0)
    ledger_charge(led.arrays, a, 4)
    b = led.add_action("x", "b", energy_pj=1.0)
    ledger_charge(led.arrays, b, 1)
    assert led.arrays.count.tolist() == [4, 1]
    assert np.isclose(led.totals(0)["energy_pj"], 5.0)


def test_two_models_charging_one_action_share_its_row():
    led = Ledger()
    row = led.shared_action("core0", "barrier", 5.0)
    assert led.shared_action("core0", "barrier", 5.0) == row


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["core0", "core1", "link0"]),
                          st.sampled_from(["synop", "packet_recv"])), max_size=12))
def test_registering_actions_at_once_gives_the_rows_of_one_at_a_time(keys):
    energy = lambda key: float(len(key[0]) + len(key[1]))      # one cost per key
    one = Ledger()
    expected = [one.shared_action(c, a, energy((c, a)), chip=0) for c, a in keys]
    many = Ledger()
    rows = many.shared_actions([c for c, _ in keys], [a for _, a in keys],
                               [energy(k) for k in keys], [0] * len(keys))
    assert rows.tolist() == expected
    assert many.row_keys == one.row_keys
    assert many.components.names == one.components.names


@pytest.mark.parametrize("costs", [[1.0, math.nan], np.array([1.0, math.nan])])
def test_registering_actions_at_once_names_the_first_bad_cost(costs):
    led = Ledger()
    with pytest.raises(ConfigError, match=r"core1\.synop\.energy_pj must be finite and >= 0"):
        led.shared_actions(["core0", "core1"], ["synop", "synop"], costs, [0, 0])


def test_registering_actions_at_once_refuses_a_bool_cost():
    with pytest.raises(ConfigError, match=r"core0\.synop\.energy_pj must be a number"):
        Ledger().shared_actions(["core0", "core1"], ["synop", "synop"], [True, 1.0], [0, 0])


def test_sharing_an_action_at_another_cost_is_an_error():
    led = Ledger()
    led.shared_action("core0", "barrier", 5.0)
    with pytest.raises(ConfigError, match=r"core0.barrier is already in the ledger with cost 5.0 pJ"):
        led.shared_action("core0", "barrier", 6.0)
