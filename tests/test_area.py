"""Silicon area (``hardware_models.area``, ``eventsim.area``): every component carries its
area from the description's [area] table, and a machine's area is their sum by kind."""
from dataclasses import replace

import pytest

from eventsim import simulate
from eventsim.area import area_breakdown
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.placement import place
from hardware_models.presets import preset

from test_machine_description import toy
from test_network_runtime import two_layers

AREA = {"core_mm2": 0.5, "sram_mm2_per_kib": 0.01, "router_mm2": 0.2, "chip_link_mm2": 0.3,
        "memory_controller_mm2": 2.0, "chip_other_mm2": 7.0}


def test_each_kind_of_component_sums_its_areas_over_the_board():
    m = machine_from_dict(toy(area=AREA, chips=2,
                              chip_link={"bandwidth_bytes_per_s": 1e9, "latency_ps": 1,
                                         "energy_pj_per_byte": 1.0}))
    a = area_breakdown(lower(m))
    cores, kib = 2 * m.core.count, m.core.sram_bytes / 1024
    routers = 2 * m.noc.n_routers
    assert a["cores"] == pytest.approx(cores * (0.5 + 0.01 * kib), rel=1e-12)
    assert a["routers"] == pytest.approx(routers * 0.2, rel=1e-12)
    assert a["chip_links"] == pytest.approx(2 * 0.3, rel=1e-12)     # one link each way
    assert a["memories"] == pytest.approx(2 * len(m.memories) * 2.0, rel=1e-12)
    assert a["chip_other"] == pytest.approx(2 * 7.0, rel=1e-12)
    assert a["total"] == pytest.approx(sum(v for k, v in a.items() if k != "total"), rel=1e-12)


def test_a_machine_without_an_area_table_has_no_area():
    assert area_breakdown(lower(machine_from_dict(toy()))) is None


@pytest.mark.parametrize("name, die_mm2", [("spinnaker2", 102.0), ("loihi", 60.0)])
def test_a_presets_components_sum_to_its_published_die_area(name, die_mm2):
    assert area_breakdown(lower(preset(name)))["total"] == pytest.approx(die_mm2, abs=0.01)


def test_a_run_on_a_machine_reports_its_area():
    w, steps = two_layers(steps=5)
    ir = lower(preset("loihi"))
    res = simulate(w, 1e-3, steps, machine=ir, placement=place(w, ir, "balanced"))
    assert res.area_mm2 == area_breakdown(ir)
    assert simulate(w, 1e-3, steps).area_mm2 is None
