"""Sweep designs: grid order, value mapping, random and Latin-hypercube sampling, point ids."""
import hashlib
import math

import numpy as np
import pytest

from eventsim.errors import ConfigError
from scenarios.config import parse_value
from scenarios.sweeps.design import Point, Range, Values, make_design, point_id, toml_literal


def params_of(design):
    return [tuple(p.params.values()) for p in design.points]


def test_grid_is_the_cartesian_product_first_parameter_slowest():
    design = make_design([Values("a", (1, 2)), Values("b", ("x", "y", "z"))], {"c": True})
    assert params_of(design) == [(1, "x"), (1, "y"), (1, "z"), (2, "x"), (2, "y"), (2, "z")]
    assert [p.index for p in design.points] == [0, 1, 2, 3, 4, 5]
    assert design.points[4].overrides == {"c": True, "a": 2, "b": "y"}
    assert design.dropped == 0


@pytest.mark.parametrize("spec, values", [
    (dict(min=1, max=4, steps=4), [1.0, 2.0, 3.0, 4.0]),
    (dict(min=0.1, max=0.5, steps=5), [0.1, 0.2, 0.3, 0.4, 0.5]),   # not 0.30000000000000004
    (dict(min=1, max=1000, steps=4, log=True), [1.0, 10.0, 100.0, 1000.0]),
    (dict(min=1, max=64, steps=7, log=True, integer=True), [1, 2, 4, 8, 16, 32, 64]),
    (dict(min=2, max=8, steps=4, integer=True), [2, 4, 6, 8]),
])
def test_range_grid_values(spec, values):
    got = Range("k", **spec).grid()
    assert got == values
    assert all(type(v) is type(values[0]) for v in got)


def test_integer_grid_that_repeats_after_rounding_is_refused():
    with pytest.raises(ConfigError, match=r"sweep.parameters.k: steps = 5 integer values from 1 "
                                          r"to 3 repeat after rounding \(\[1, 2, 2, 2, 3\]\)"):
        Range("k", 1, 3, integer=True, steps=5).grid()


def test_range_without_steps_has_no_grid():
    with pytest.raises(ConfigError, match="sweep.parameters.k: a range needs steps"):
        make_design([Range("k", 0.0, 1.0)], {})


@pytest.mark.parametrize("u, value", [(0.0, 1), (0.2499, 1), (0.25, 2), (0.5, 3), (0.9999, 4)])
def test_integer_range_maps_equal_quarters_of_the_unit_interval_to_1_2_3_4(u, value):
    assert Range("k", 1, 4, integer=True).at(u) == value


@pytest.mark.parametrize("u, value", [(0.0, "a"), (0.33, "a"), (0.34, "b"), (0.67, "c"),
                                      (0.9999, "c")])
def test_value_list_maps_thirds_of_the_unit_interval_to_its_values(u, value):
    assert Values("k", ("a", "b", "c")).at(u) == value


def test_real_ranges_map_linearly_and_in_log():
    assert Range("k", 2.0, 4.0).at(0.25) == 2.5
    assert Range("k", 1.0, 100.0, log=True).at(0.5) == 10.0
    assert Range("k", 1.0, 100.0, log=True).at(0.0) == 1.0


@pytest.mark.parametrize("kind", ["random", "lhs"])
def test_sampled_designs_stay_in_bounds_and_repeat_with_their_seed(kind):
    params = [Range("lr", 1e-4, 1e-1, log=True), Range("n", 3, 9, integer=True),
              Range("x", -1.0, 1.0), Values("m", ("a", "b"))]
    design = make_design(params, {}, kind, samples=40, seed=7)
    assert len(design.points) + design.dropped == 40
    for p in design.points:
        assert 1e-4 <= p.params["lr"] <= 1e-1
        assert isinstance(p.params["n"], int) and 3 <= p.params["n"] <= 9
        assert -1.0 <= p.params["x"] <= 1.0
        assert p.params["m"] in ("a", "b")
    assert params_of(make_design(params, {}, kind, samples=40, seed=7)) == params_of(design)
    assert params_of(make_design(params, {}, kind, samples=40, seed=8)) != params_of(design)


def test_latin_hypercube_hits_each_stratum_once_per_dimension():
    n = 10
    params = [Range("x", 0.0, 10.0), Range("y", 0.0, 10.0), Range("z", 0.0, 10.0)]
    design = make_design(params, {}, "lhs", samples=n, seed=3)
    assert len(design.points) == n
    for key in ("x", "y", "z"):   # stratum k of [0, 10) is [k, k + 1)
        assert sorted(math.floor(p.params[key]) for p in design.points) == list(range(n))


def test_latin_hypercube_over_integers_takes_every_integer_once():
    design = make_design([Range("a", 1, 8, integer=True), Range("b", 11, 18, integer=True)], {},
                         "lhs", samples=8, seed=0)
    assert sorted(p.params["a"] for p in design.points) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert sorted(p.params["b"] for p in design.points) == list(range(11, 19))


def test_random_design_follows_numpy_default_rng_of_its_seed():
    u = np.random.default_rng(5).random((3, 1))
    design = make_design([Range("x", 0.0, 2.0)], {}, "random", samples=3, seed=5)
    assert [p.params["x"] for p in design.points] == [float(f"{2 * v:.12g}") for v in u[:, 0]]


def test_repeated_draws_are_dropped_and_counted():
    design = make_design([Values("k", (1, 2))], {"f": 0}, "random", samples=20, seed=1)
    assert sorted(p.params["k"] for p in design.points) == [1, 2]
    assert design.dropped == 18
    assert [p.index for p in design.points] == [0, 1]


def test_sampled_design_needs_samples():
    with pytest.raises(ConfigError, match="sweep.samples must be an integer >= 1 for a lhs "
                                          "design, got 0"):
        make_design([Range("x", 0.0, 1.0)], {}, "lhs", samples=0)


def test_point_id_is_the_sha256_of_the_canonical_json_of_the_overrides():
    p = Point(3, {"b": [2], "a.x": 0.5}, {"c": "s"})
    expected = hashlib.sha256(b'{"a.x":0.5,"b":[2],"c":"s"}').hexdigest()[:12]
    assert p.id == point_id({"c": "s", "b": [2], "a.x": 0.5}) == expected
    assert p.sets == ['c="s"', "b=[2]", "a.x=0.5"]


@pytest.mark.parametrize("value", [1, -7, 0.1, 1e-05, 2.5e300, True, False, "plain",
                                   'quote " and \\ backslash', "ünïcode", [1, [2, "x"]], [],
                                   {"a": 1, "b c": ["x"]}, float("inf")])
def test_toml_literals_read_back_as_the_same_value(value):
    back = parse_value(toml_literal(value))
    assert back == value and type(back) is type(value)
