"""Running a discrete-time network: delays, conservation of synaptic events, determinism, the
same spikes in software and under timer and barrier semantics on a machine, the ledger's
counts, late packets under a too-short tick, and clear errors."""
import numpy as np
import pytest
from hypothesis import given as given_, settings, strategies as st

from eventsim import ConfigError
from eventsim.simulation import simulate
from eventsim.workload_ir import InputEvents, WorkloadIR
from hardware_models.lowering import lower
from hardware_models.machine import machine_from_dict
from hardware_models.placement import given, place
from networks.population import population
from networks.projection import from_dense

from test_machine_description import toy

DT = 1e-3
STEP_PS = 10**9


def two_layers(seed=1, n0=20, n1=30, steps=200, delay_ps=2 * STEP_PS):
    """Input-driven LIF layer a -> LIF layer b, 30 % connectivity, random inputs."""
    rng = np.random.default_rng(seed)
    lif = dict(tau=0.02, v_threshold=1.0, refractory_s=0.002)
    pops = [population("a", "lif", n0, **lif), population("b", "lif", n1, **lif)]
    w = (rng.random((n0, n1)) < 0.3) * rng.normal(3, 1, (n0, n1))
    proj = from_dense("ab", 0, 1, w, delay_ps=delay_ps)
    inp = InputEvents(0, (np.repeat(np.arange(steps), n0) * STEP_PS).astype(np.int64),
                      np.tile(np.arange(n0), steps).astype(np.int32), rng.uniform(0, 2.5, steps * n0))
    return WorkloadIR(pops, [proj], [inp]), steps


def machine(semantics, step_ps):
    m = machine_from_dict(toy(semantics=semantics, step_ps=step_ps,
                              core__actions__barrier={"cycles": 30, "energy_pj": 5.0},
                              core__actions__neuron_update={"cycles": 10, "energy_pj": 20.0}))
    return lower(m)


def spikes(res):
    return [sorted(zip(s.tolist(), n.tolist())) for s, n in zip(res.spike_steps, res.spike_neurons)]


def test_a_spike_arrives_after_its_delay_in_steps():
    pops = [population("a", "lif", 1, tau=1.0, v_threshold=0.5),
            population("b", "if_neuron", 1, v_threshold=0.5, r=1000.0)]
    proj = from_dense("ab", 0, 1, np.array([[1.0]]), delay_ps=7 * STEP_PS)
    kick = InputEvents(0, np.array([3 * STEP_PS], np.int64), np.zeros(1, np.int32), np.array([1e6]))
    res = simulate(WorkloadIR(pops, [proj], [kick]), DT, 20)
    assert res.steps("a")[0].tolist() == [3]
    assert res.steps("b")[0].tolist() == [10]      # input at step 3 + 7, v = 1000 x 1 x 1 ms = 1


def test_every_spike_makes_one_synaptic_event_per_outgoing_synapse():
    w, steps = two_layers()
    res = simulate(w, DT, steps)
    out_degree = np.diff(w.projections[0].indptr)
    expected = int(out_degree[res.spikes("a")[1]].sum())
    assert expected > 0
    assert res.counts["synaptic_events"] == res.metrics["synaptic_ops"] == expected


def test_same_seed_same_spikes():
    w, steps = two_layers()
    assert spikes(simulate(w, DT, steps)) == spikes(simulate(w, DT, steps))


@pytest.mark.parametrize("semantics, step_ps", [("timer", 1_000_000), ("barrier", 0)])
def test_timer_and_barrier_machines_give_the_software_spikes(semantics, step_ps):
    w, steps = two_layers()
    ir = machine(semantics, step_ps)
    on_hw = simulate(w, DT, steps, machine=ir, placement=place(w, ir, "round_robin"))
    assert spikes(on_hw) == spikes(simulate(w, DT, steps))
    assert on_hw.counts["late_packets"] == 0


def test_the_ledger_counts_what_the_network_did():
    w, steps = two_layers()
    ir = machine("barrier", 0)
    res = simulate(w, DT, steps, machine=ir, placement=place(w, ir, "round_robin"))
    rows = res.ledger.rows(res.hardware_time_ps)
    count = lambda action: sum(r["count"] for r in rows if r["action"] == action)
    assert count("neuron_update") == 50 * steps
    assert count("synop") == res.counts["synaptic_events"]
    assert count("barrier") == 4 * steps
    res.ledger.check(res.hardware_time_ps)


def test_barrier_steps_last_as_long_as_the_slowest_core_plus_the_barrier():
    w, steps = two_layers(steps=20)
    ir = machine("barrier", 0)
    res = simulate(w, DT, steps, machine=ir, placement=place(w, ir, "round_robin"))
    barrier_ps = ir.action_time_ps(0, ir.action("barrier"))
    # at least: 13 neurons on the busiest core x 10 cycles at 300 MHz, then the barrier
    assert np.diff(res.step_start_ps).min() >= round(13 * 10 * 1e12 / 300e6) + barrier_ps


def test_timer_steps_are_ticks_and_a_too_short_tick_makes_packets_late():
    w, steps = two_layers(delay_ps=STEP_PS)
    ir = machine("timer", 1_000)          # 1 ns ticks: work and packets cannot keep up
    res = simulate(w, DT, steps, machine=ir, placement=place(w, ir, "round_robin"), ring_slack=400)
    assert res.step_start_ps.tolist() == [k * 1_000 for k in range(steps + 1)]
    assert res.counts["late_packets"] > 0


def test_packets_later_than_the_input_ring_are_an_error():
    w, steps = two_layers(delay_ps=STEP_PS)
    ir = machine("timer", 1_000)
    with pytest.raises(Exception, match="beyond the input ring"):
        simulate(w, DT, steps, machine=ir, placement=place(w, ir, "round_robin"), ring_slack=1)


def test_draining_the_spike_record_mid_run_loses_nothing():
    w, steps = two_layers()
    full = spikes(simulate(w, DT, steps))
    assert spikes(simulate(w, DT, steps, progress=True, record_capacity=64)) == full


@pytest.mark.parametrize("dt_s, n_steps, message", [
    (DT, 0, "n_steps must be an int >= 1, got 0"),
    (-1.0, 10, "dt_s must be a finite number > 0, got -1.0"),
    (1e-13, 10, "below one picosecond"),
])
def test_bad_run_arguments_are_named(dt_s, n_steps, message):
    w, _ = two_layers()
    with pytest.raises(ConfigError, match=message):
        simulate(w, dt_s, n_steps)


def test_a_run_on_a_machine_needs_a_placement():
    w, steps = two_layers()
    with pytest.raises(ConfigError, match="needs a placement"):
        simulate(w, DT, steps, machine=machine("timer", 1000))


def test_a_machine_without_neuron_updates_is_refused():
    w, steps = two_layers()
    ir = lower(machine_from_dict(toy(semantics="timer", step_ps=1000)))
    with pytest.raises(ConfigError, match="declares no 'neuron_update' action"):
        simulate(w, DT, steps, machine=ir, placement=place(w, ir, "round_robin"))


def test_a_projection_to_a_missing_port_is_refused():
    pops = [population("a", "lif", 2, tau=1.0, v_threshold=1.0)]
    proj = from_dense("aa", 0, 0, np.ones((2, 2)), port=1)
    with pytest.raises(ConfigError, match="port 1 but model lif has 1 port"):
        simulate(WorkloadIR(pops, [proj]), DT, 3)


def test_an_event_driven_machine_gives_the_software_spikes_in_network_time():
    w, steps = two_layers()
    ir = machine("event", 0)
    res = simulate(w, DT, steps, machine=ir, placement=place(w, ir, "round_robin"))
    assert spikes(res) == spikes(simulate(w, DT, steps))
    assert res.step_start_ps.tolist() == [k * STEP_PS for k in range(steps + 1)]


def test_an_event_driven_machine_updates_only_neurons_with_input_or_able_to_fire():
    # layer b only: at rest (v_inf = 0 < threshold) it is quiescent unless spikes arrive
    w, steps = two_layers()
    ir = machine("event", 0)
    res = simulate(w, DT, steps, machine=ir, placement=place(w, ir, "round_robin"))
    sw = simulate(w, DT, steps)
    assert res.counts["neuron_updates"] < sw.counts["neuron_updates"] == 50 * steps
    # layer a gets input every step: all its 20 x 200 updates happen
    assert res.counts["neuron_updates"] >= 20 * steps


@pytest.mark.parametrize("multicast", [True, False])
def test_a_spike_costs_one_packet_or_one_per_destination_core(multicast):
    w, steps = two_layers()
    m = machine_from_dict(toy(semantics="barrier", step_ps=0, noc__multicast=multicast,
                              core__actions__barrier={"cycles": 30, "energy_pj": 5.0},
                              core__actions__neuron_update={"cycles": 10, "energy_pj": 20.0},
                              core__actions__packet_send={"cycles": 4, "energy_pj": 2.0}))
    ir = lower(m)
    pl = place(w, ir, "round_robin")
    res = simulate(w, DT, steps, machine=ir, placement=pl)
    assert spikes(res) == spikes(simulate(w, DT, steps))
    pr = w.projections[0]
    post_cores = [set(pl.core_of_neuron[20 + pr.indices[pr.indptr[g]:pr.indptr[g + 1]]].tolist())
                  for g in range(20)]
    sent = res.spikes("a")[1]
    expected = sum(1 if multicast else len(post_cores[g]) for g in sent if post_cores[g])
    rows = res.ledger.rows(res.hardware_time_ps)
    assert sum(r["count"] for r in rows if r["action"] == "packet_send") == expected


def test_a_run_leaves_the_workload_initial_state_untouched():
    pop = population("a", "if_neuron", 3, v_threshold=10.0)
    before = pop.state.copy()
    kick = InputEvents(0, np.zeros(3, np.int64), np.arange(3, dtype=np.int32), np.full(3, 1e3))
    res = simulate(WorkloadIR([pop], inputs=[kick]), DT, 2)
    np.testing.assert_array_equal(pop.state, before)
    assert res.final_state[0][:, 0] == pytest.approx([1.0, 1.0, 1.0])


@pytest.mark.parametrize("routing, receptions", [("population", 2), ("neuron", 1)])
def test_population_routing_sends_a_spike_to_every_core_of_its_population_targets(routing, receptions):
    pops = [population("a", "lif", 2, tau=1.0, v_threshold=0.5),
            population("b", "lif", 2, tau=1.0, v_threshold=100.0)]
    proj = from_dense("ab", 0, 1, np.eye(2))                 # a0 -> b0, a1 -> b1
    kick = InputEvents(0, np.array([0], np.int64), np.zeros(1, np.int32), np.array([1e6]))
    w = WorkloadIR(pops, [proj], [kick])
    ir = lower(machine_from_dict(toy(semantics="barrier", step_ps=0,
                                     core__actions__barrier={"cycles": 1, "energy_pj": 0.0},
                                     core__actions__neuron_update={"cycles": 1, "energy_pj": 0.0},
                                     core__actions__packet_recv={"cycles": 1, "energy_pj": 1.0})))
    res = simulate(w, DT, 3, machine=ir, placement=given(w, ir, [0, 0, 1, 2]), routing=routing)
    rows = res.ledger.rows(res.hardware_time_ps)
    assert sum(r["count"] for r in rows if r["action"] == "packet_recv") == receptions
    assert sum(r["count"] for r in rows if r["action"] == "synop") == 1


@pytest.mark.parametrize("semantics, step_ps", [("timer", 1_000_000), ("barrier", 0), ("event", 0)])
def test_the_analytic_noc_charges_what_the_packet_noc_charges(semantics, step_ps):
    w, steps = two_layers()
    ir = machine(semantics, step_ps)
    pl = place(w, ir, "round_robin")
    packets = simulate(w, DT, steps, machine=ir, placement=pl)
    analytic = simulate(w, DT, steps, machine=ir, placement=pl, noc="analytic")
    assert spikes(analytic) == spikes(packets)
    count = lambda res: {(r["component"], r["action"]): r["count"]
                         for r in res.ledger.rows(res.hardware_time_ps)}
    assert count(analytic) == count(packets)          # every flit on every link, every synop


def test_the_analytic_noc_with_unicast_charges_each_path():
    w, steps = two_layers()
    ir = lower(machine_from_dict(toy(semantics="barrier", step_ps=0, noc__multicast=False,
                                     core__actions__barrier={"cycles": 30, "energy_pj": 5.0},
                                     core__actions__neuron_update={"cycles": 10, "energy_pj": 20.0})))
    pl = place(w, ir, "round_robin")
    packets = simulate(w, DT, steps, machine=ir, placement=pl)
    analytic = simulate(w, DT, steps, machine=ir, placement=pl, noc="analytic")
    assert spikes(analytic) == spikes(packets)
    flits = lambda res: sum(r["count"] for r in res.ledger.rows(res.hardware_time_ps)
                            if r["action"] == "flit")
    assert flits(analytic) == flits(packets) > 0


@pytest.mark.parametrize("option, message", [(dict(routing="tree"), "routing must be"),
                                             (dict(noc="fast"), "noc must be")])
def test_unknown_machine_options_are_named(option, message):
    w, steps = two_layers()
    with pytest.raises(ConfigError, match=message):
        simulate(w, DT, steps, **option)


def ledger_rows(res):
    return {(r["component"], r["action"]): (r["count"], r["busy_ps"], r["energy_pj"])
            for r in res.ledger.rows(res.hardware_time_ps)}


def same_ledger(a, b):
    ra, rb = ledger_rows(a), ledger_rows(b)
    assert ra.keys() == rb.keys()
    for k in ra:
        assert ra[k][:2] == rb[k][:2], k                     # counts and busy time exactly
        assert ra[k][2] == pytest.approx(rb[k][2], rel=1e-12, abs=1e-9), k


@pytest.mark.parametrize("noc", ["packets", "analytic"])
@pytest.mark.parametrize("routing", ["population", "neuron"])
def test_a_reused_mapping_gives_the_same_spikes_and_ledger(noc, routing):
    from hardware_models.mapping import map_network
    w, steps = two_layers(delay_ps=STEP_PS)
    ir = machine("timer", 200_000)                      # a short tick: some packets are late
    pl = place(w, ir, "round_robin")
    fresh = simulate(w, DT, steps, machine=ir, placement=pl, noc=noc, routing=routing,
                     ring_slack=50)
    m = map_network(w, ir, pl, routing=routing)
    for _ in range(2):
        reused = simulate(w, DT, steps, machine=ir, placement=pl, noc=noc, mapping=m,
                          ring_slack=50)
        assert spikes(reused) == spikes(fresh)
        assert reused.counts == fresh.counts
        assert reused.step_start_ps.tolist() == fresh.step_start_ps.tolist()
        same_ledger(reused, fresh)
    assert fresh.counts["late_packets"] > 0


def test_a_mapping_reads_the_weights_of_each_run():
    from hardware_models.mapping import map_network
    w, steps = two_layers()
    ir = machine("barrier", 0)
    pl = place(w, ir, "round_robin")
    m = map_network(w, ir, pl)
    w.projections[0].weights[:] *= 0.5
    reused = simulate(w, DT, steps, machine=ir, placement=pl, mapping=m)
    assert spikes(reused) == spikes(simulate(w, DT, steps))


def test_a_mapping_made_for_something_else_is_refused():
    from hardware_models.mapping import map_network
    w, steps = two_layers()
    ir = machine("barrier", 0)
    pl = place(w, ir, "round_robin")
    m = map_network(w, ir, pl)
    run = lambda **kw: simulate(**{"workload": w, "dt_s": DT, "n_steps": 3, "machine": ir,
                                   "placement": pl, "mapping": m, **kw})
    with pytest.raises(ConfigError, match="another MachineIR"):
        run(machine=machine("barrier", 0))
    with pytest.raises(ConfigError, match="another placement"):
        run(placement=place(w, ir, "balanced"))
    with pytest.raises(ConfigError, match="routing='population'"):
        run(routing="neuron")
    with pytest.raises(ConfigError, match="spike_bytes=4"):
        run(spike_bytes=8)
    with pytest.raises(ConfigError, match="a mapping is for a run on a machine"):
        simulate(w, DT, 3, mapping=m)
    other, _ = two_layers(seed=2)                        # same sizes, other connectivity
    with pytest.raises(ConfigError, match="other connectivity"):
        run(workload=other)
    w.projections[0].indices[:] = w.projections[0].indices[::-1].copy()   # rewired in place
    with pytest.raises(ConfigError, match="other connectivity"):
        run()


def test_a_network_shape_run_before_in_this_process_compiles_silently(capsys):
    w, steps = two_layers()
    simulate(w, DT, steps)
    first = capsys.readouterr().err.splitlines()
    if first:                      # new to this process: compiled, or loaded from the cache
        assert first[0] == ("preparing the network kernels for models lif, lif (compiled on "
                            "their first run, then loaded from the kernel cache) ...")
        assert first[1].startswith(("... compiled in ", "... loaded from the kernel cache in "))
    simulate(w, DT, steps)
    assert capsys.readouterr().err == ""


def test_a_core_that_packets_reach_but_that_cannot_do_the_work_is_refused_before_the_run():
    from types import SimpleNamespace
    from eventsim.network_runtime import check_receivers
    # actions: neuron_update 0, synop 1, no packet_send, packet_recv 3; core 1 has no synop
    cores = SimpleNamespace(row=np.array([[0, 1, -1, 2, -1], [3, -1, -1, 4, -1]]))
    actions = np.array([0, 1, -1, 3, -1])
    check_receivers(cores, actions, reached=[0, 1], holding=[0])
    with pytest.raises(ConfigError, match="core 1 receives spike packets but cannot do synop"):
        check_receivers(cores, actions, reached=[0, 1], holding=[0, 1])


@settings(max_examples=60, deadline=None)
@given_(st.lists(st.integers(0, 50), max_size=150), st.integers(-1, 51))
def test_a_neurons_first_destination_at_or_after_a_core_is_the_sorted_insertion_point(cores, x):
    from eventsim.jit import kernel_jit
    from eventsim.network_runtime import first_at_least
    a = np.array([0] + sorted(cores) + [0], np.int64)       # searched within 1:len - 1
    find = kernel_jit(lambda a, lo, hi, x: first_at_least(a, lo, hi, x))
    assert find(a, 1, a.shape[0] - 1, x) == 1 + np.searchsorted(a[1:-1], x, side="left")
