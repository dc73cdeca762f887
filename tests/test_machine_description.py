"""Machine descriptions: strict loading with named errors, sources per number, DVFS, costs."""
import copy

import pytest

from eventsim import ConfigError
from hardware_models.lowering import lower
from hardware_models.machine import load_machine, machine_from_dict

TOY = {
    "name": "toy", "description": "a 2x2 mesh of 4 cores", "semantics": "event",
    "core": {"count": 4, "threads": 2, "sram_bytes": 1024, "dvfs_level": "high",
             "static_power_w": 0.01,
             "dvfs": [{"name": "high", "voltage_v": 0.8, "clock_hz": 300e6, "source": "paper A"},
                      {"name": "low", "voltage_v": 0.5, "clock_hz": 150e6,
                       "energy_scale": 0.390625}],
             "actions": {"synop": {"cycles": 2, "energy_pj": 10.0, "source": "paper B, Table 2"},
                         "mac_array": {"cycles": 1, "energy_pj": 64.0, "width": 64}}},
    "noc": {"topology": "mesh", "width": 2, "height": 2, "flit_bytes": 4,
            "hop_latency_ps": {"value": 1_000, "source": "paper C"},
            "link_bandwidth_bytes_per_s": 4e9, "hop_energy_x_pj": 3.0, "hop_energy_y_pj": 4.0},
    "memory": [{"name": "dram", "kind": "dram", "capacity_bytes": 2**30,
                "bandwidth_bytes_per_s": 1e10, "latency_ps": 50_000,
                "read_energy_pj_per_byte": 20.0, "write_energy_pj_per_byte": 25.0}],
    "host_link": {"bandwidth_bytes_per_s": 1e9, "latency_ps": 10**6, "energy_pj_per_byte": 100.0},
}


def toy(**changes):
    d = copy.deepcopy(TOY)
    for path, value in changes.items():
        *head, last = path.split("__")
        node = d
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node[k]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return d


def test_action_time_is_cycles_over_clock_and_energy_is_count_times_cost():
    m = machine_from_dict(toy())
    assert m.core.time_ps("synop", 3) == 3 * 2 * 10**12 // 300_000_000   # 20,000 ps
    assert m.core.energy_pj("synop", 3) == 30.0


def test_dvfs_scales_time_by_clock_and_energy_by_the_declared_factor():
    low = machine_from_dict(toy()).with_dvfs("low")
    assert low.core.time_ps("synop", 3) == 40_000
    assert low.core.energy_pj("synop", 3) == 30.0 * 0.390625


def test_every_sourced_number_keeps_its_source():
    m = machine_from_dict(toy())
    assert m.sources["core.dvfs[0].clock_hz"] == "paper A"
    assert m.sources["core.actions.synop.energy_pj"] == "paper B, Table 2"
    assert m.sources["noc.hop_latency_ps"] == "paper C"
    assert "core.count" not in m.sources


def test_memory_transfer_is_latency_plus_bytes_over_bandwidth():
    mem = machine_from_dict(toy()).memories[0]
    assert mem.transfer_ps(1_000) == 50_000 + 100_000
    assert mem.energy_pj(read_bytes=10, write_bytes=2) == 250.0


def test_host_link_costs():
    h = machine_from_dict(toy()).host_link
    assert h.transfer_ps(1_000) == 10**6 + 10**6 and h.energy_pj(3) == 300.0


@pytest.mark.parametrize("change, message", [
    (dict(noc__hop_latency_ps=-3), r"noc.hop_latency_ps must be >= 0, got -3"),
    (dict(noc__link_bandwidth_bytes_per_s=0), r"noc.link_bandwidth_bytes_per_s must be > 0, got 0"),
    (dict(core__count=2.5), r"core.count must be an integer, got 2.5"),
    (dict(core__dvfs_level="turbo"), r"core.dvfs_level must be one of \['high', 'low'\], got 'turbo'"),
    (dict(core__actions__synop__energy_pj="ten"), r"core.actions.synop.energy_pj must be a finite number, got 'ten'"),
    (dict(core__actions__teleport={"cycles": 1, "energy_pj": 1}), r"core.actions.teleport is not a known action"),
    (dict(noc__topology="ring"), r"noc.topology must be one of .*got 'ring'"),
    (dict(noc__colour="red"), r"unknown key\(s\) in noc: colour"),
    (dict(speed=3), r"unknown key\(s\) in the machine description: speed"),
    (dict(memory__0__kind="flash"), r"memory\[0\].kind must be one of \['sram', 'dram'\], got 'flash'"),
    (dict(core__count=5), r"noc has room for 4 cores .* but core.count = 5"),
    (dict(semantics="timer"), r"step_ps is required"),
    (dict(chips=2), r"chips = 2 needs a \[chip_link\] table"),
    (dict(name=None), r"name is required"),
    (dict(core__actions__synop__width=4), r"width applies to mac_array only"),
    (dict(noc__hop_latency_ps={"value": 5, "src": "x"}), r"noc.hop_latency_ps must be a number or \{value, source\}"),
])
def test_bad_descriptions_name_the_field_and_value(change, message):
    with pytest.raises(ConfigError, match=message):
        machine_from_dict(toy(**change))


def test_toml_files_load_and_bad_files_say_why(tmp_path):
    good = tmp_path / "m.toml"
    good.write_text('name = "t"\ndescription = "d"\nsemantics = "event"\n'
                    '[core]\ncount = 1\nsram_bytes = 8\ndvfs_level = "n"\n'
                    '[[core.dvfs]]\nname = "n"\nvoltage_v = 1.0\nclock_hz = 1e9\n'
                    '[core.actions.mac]\ncycles = 1\nenergy_pj = { value = 0.5, source = "estimate" }\n'
                    '[noc]\ntopology = "bus"\nflit_bytes = 8\nhop_latency_ps = 10\n'
                    'link_bandwidth_bytes_per_s = 1e9\n')
    m = load_machine(good)
    assert m.core.energy_pj("mac", 4) == 2.0 and m.sources["core.actions.mac.energy_pj"] == "estimate"
    bad = tmp_path / "bad.toml"
    bad.write_text("name = ")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_machine(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_machine(tmp_path / "nope.toml")


def test_per_axis_hop_latencies_reach_the_machine_ir():
    m = machine_from_dict(toy(noc__hop_latency_ps=None, noc__hop_latency_x_ps=4_100,
                              noc__hop_latency_y_ps=6_500))
    ir = lower(m)
    lat = {(int(a), int(b)): int(t) for a, b, t in zip(ir.link_src, ir.link_dst, ir.link_latency_ps)}
    assert lat[(0, 1)] == 4_100 and lat[(0, 2)] == 6_500
