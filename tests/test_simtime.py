"""Integer-picosecond time and its conversions."""
import pytest
from hypothesis import given, strategies as st

from eventsim import ScheduleError, ms_to_ps, ns_to_ps, ps_to_s, ps_to_us, s_to_ps, us_to_ps
from eventsim.simtime import TIME_MAX_PS, check_delay_ps, check_time_ps


def test_conversions_to_picoseconds():
    assert s_to_ps(1) == 10**12 and ms_to_ps(1) == 10**9
    assert us_to_ps(1) == 10**6 and ns_to_ps(1) == 1_000
    assert s_to_ps(0.1) == 100_000_000_000 and ns_to_ps(3.5) == 3_500


@given(st.integers(0, 10**15))
def test_microseconds_round_trip(ps):
    assert us_to_ps(ps_to_us(ps)) == ps


def test_conversions_from_picoseconds():
    assert ps_to_s(2 * 10**12) == 2.0 and ps_to_us(1_500_000) == 1.5


@pytest.mark.parametrize("value, message", [
    (float("nan"), "must be finite, got nan"),
    (float("inf"), "must be finite, got inf"),
    (1e9, "overflows int64 picoseconds"),
    ("3", "must be a real number of s, got '3'"),
])
def test_bad_seconds_are_refused(value, message):
    with pytest.raises(ScheduleError, match=message):
        s_to_ps(value)


def test_time_must_be_an_integer_in_int64():
    assert check_time_ps(5) == 5
    with pytest.raises(ScheduleError, match="got True"):
        check_time_ps(True)
    with pytest.raises(ScheduleError, match="overflows"):
        check_time_ps(TIME_MAX_PS + 1)


def test_delays_are_non_negative_and_do_not_overflow():
    assert check_delay_ps(5, 10) == 15
    with pytest.raises(ScheduleError, match="must be >= 0, got -1"):
        check_delay_ps(-1, 0)
    with pytest.raises(ScheduleError, match=f"delay_ps = {TIME_MAX_PS} at now = 1 ps overflows"):
        check_delay_ps(TIME_MAX_PS, 1)
