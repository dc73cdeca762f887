"""Hardware accounting of an exact event-driven run on an event-driven machine.

The network runs in continuous time (``exact_runtime``); the machine's cores do its work as it
comes, in the same (hardware = network) time:

* every input a neuron receives, and every threshold check, is a ``neuron_update`` on the
  neuron's core; an input over a synapse is also a ``synop`` there (both at the input's time);
* a spike is a ``packet_send`` on its core (if the machine declares it) and one multicast packet
  along its neuron's routing tree to exactly the cores holding its synapses (or one unicast
  packet per such core), with the NoC taken as uncontended: links charged their flits, and
  each destination core charged a ``packet_recv`` when the packet's tail arrives.

Work queues on busy cores (first come, first served, ``core_model``), so the ledger holds the
busy time and energy; the network's dynamics do not wait for the hardware. A packet whose tail
reaches a destination core after the neuron's shortest synaptic delay has passed is counted
*late*: the machine could not have delivered that spike in time (the discrete-time run on a
machine delays such inputs instead).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .core_model import core_execute, new_core_state
from .jit import kernel_jit
from .machine_ir import MachineIR
from .machine_setup import action_or_none
from .routing_ir import Mapping
from .noc_model import NocModel, charge_route_uses, noc_flits, noc_path_tail_ps
from .static_power import register_static_power

ExactHw = namedtuple("ExactHw", [
    "cores", "noc", "core_of", "actions", "multicast", "spike_bytes", "route_of", "dest_ptr",
    "dest_core", "route_dest_ptr", "route_dest_tail_ps", "route_uses", "min_delay_ps", "stats"])
ExactHw.__doc__ = """core_of[g]: neuron g's core; actions = [neuron_update, synop, packet_send
or -1, packet_recv or -1]; route_of[g]: g's multicast route (-1: no synapses), whose
destination cores' uncontended tail latencies are route_dest_tail_ps[route_dest_ptr[r]:...];
dest_core[dest_ptr[g]:dest_ptr[g+1]]: g's destination cores (unicast machines);
route_uses[r]: spikes sent along route r (its links are charged after the run);
min_delay_ps[g]: g's shortest synaptic delay; stats = [packets received, late packets,
largest tail latency in ps]."""
(PACKETS, LATE, MAX_TAIL) = range(3)


@kernel_jit
def charge_update(ctx, hw, g, t_ps):
    """A neuron_update of neuron g on its core at t_ps."""
    core_execute(ctx, hw.cores, t_ps, hw.core_of[g], hw.actions[0], 1)


@kernel_jit
def charge_synaptic_input(ctx, hw, g, t_ps):
    """A synop and a neuron_update of neuron g on its core at t_ps (an input over a synapse)."""
    t = core_execute(ctx, hw.cores, t_ps, hw.core_of[g], hw.actions[1], 1)
    core_execute(ctx, hw.cores, t, hw.core_of[g], hw.actions[0], 1)


@kernel_jit
def _received(ctx, hw, g, core, t_sent, t_arrive):
    """The packet of g's spike sent at t_sent reaches ``core`` at t_arrive: packet_recv."""
    if hw.actions[3] >= 0:
        core_execute(ctx, hw.cores, t_arrive, core, hw.actions[3], 1)
    s = hw.stats
    s[PACKETS] += 1
    tail = t_arrive - t_sent
    if tail > s[MAX_TAIL]:
        s[MAX_TAIL] = tail
    if tail > hw.min_delay_ps[g]:
        s[LATE] += 1


@kernel_jit
def send_packets(ctx, hw, g, t_ps):
    """Neuron g spiked at t_ps: packet_send, then its multicast packet (or unicast packets)."""
    if hw.route_of[g] < 0:
        return
    c = hw.core_of[g]
    t_send = t_ps
    if hw.actions[2] >= 0:
        t_send = core_execute(ctx, hw.cores, t_ps, c, hw.actions[2], 1)
    if hw.multicast:
        r = hw.route_of[g]
        hw.route_uses[r] += 1
        for e in range(hw.route_dest_ptr[r], hw.route_dest_ptr[r + 1]):
            _received(ctx, hw, g, hw.dest_core[hw.dest_ptr[g] + e - hw.route_dest_ptr[r]],
                      t_ps, t_send + hw.route_dest_tail_ps[e])
    else:
        flits = noc_flits(hw.noc, hw.spike_bytes)
        src = hw.noc.core_router[c]
        for e in range(hw.dest_ptr[g], hw.dest_ptr[g + 1]):
            if e > hw.dest_ptr[g] and hw.actions[2] >= 0:
                t_send = core_execute(ctx, hw.cores, t_send, c, hw.actions[2], 1)
            d = hw.dest_core[e]
            _received(ctx, hw, g, d, t_ps,
                      t_send + noc_path_tail_ps(ctx, hw.noc, src, hw.noc.core_router[d], flits))


# -- set-up ---------------------------------------------------------------------------------

def attach(kernel, workload, ir: MachineIR, m: Mapping) -> ExactHw:
    """The machine side of an exact run of ``workload`` on the event-driven machine ``ir``
    with its mapping ``m`` (a routing tree per neuron to exactly its destination cores:
    ``hardware_models.mapping.map_network`` with routing "neuron")."""
    actions = np.array([action_or_none(ir, a)
                        for a in ("neuron_update", "synop", "packet_send", "packet_recv")],
                       np.int64)
    cores = new_core_state(ir, kernel)
    noc = NocModel(ir, max_in_flight=1)
    noc.attach(kernel, max_pushes=1)      # rows and state only: no packet is simulated
    register_static_power(kernel.ledger, ir)
    hw = ExactHw(cores=cores, noc=noc.state, core_of=m.core_of, actions=actions,
                 multicast=np.bool_(ir.multicast), spike_bytes=np.int64(m.spike_bytes),
                 route_of=m.route_of, dest_ptr=m.dest_ptr,
                 dest_core=m.dest_core.astype(np.int64, copy=False),
                 route_dest_ptr=m.tree_dest_ptr, route_dest_tail_ps=m.tree_dest_tail_ps.astype(np.int64, copy=False),
                 route_uses=np.zeros(m.n_routes, np.int64),
                 min_delay_ps=_shortest_delays(workload), stats=np.zeros(3, np.int64))
    return hw


def _shortest_delays(w) -> np.ndarray:
    """Each neuron's shortest outgoing synaptic delay in ps (int64 max: none)."""
    out = np.full(w.n_neurons, np.iinfo(np.int64).max, np.int64)
    for pr in w.projections:
        pre = np.repeat(np.arange(pr.indptr.shape[0] - 1), np.diff(pr.indptr)) + w.offsets[pr.pre]
        np.minimum.at(out, pre, pr.delays_ps)
    return out


def charge_route_links(ledger, noc_state, m: Mapping, hw: ExactHw) -> None:
    """Charge every multicast route's links its uses x one packet (after the run)."""
    if hw.multicast:
        charge_route_uses(ledger, noc_state, hw.route_uses, m)
