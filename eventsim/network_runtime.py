"""A Workload IR run as a discrete-time network in the compiled kernel.

Time advances in steps of ``dt`` (the network's own time step). At step k every neuron takes
the inputs that arrived for step k (external input events whose time falls in step k, and
spikes sent at step k - d over a projection of delay d >= 1 steps), then its model's ``step``
(see ``networks.neurons``). Spikes are delivered into a ring of D input slots per neuron and
port, D = the longest delay + 1 (+ slack for late packets on hardware). A spike carries 1, or
the values of a graded model's output state rows.

Two ways to run the same network:
* **software** (no machine): one kernel event per step; spikes go straight into the ring.
  The numbers of the network only, as fast as it goes.
* **on a machine** (timer, barrier or event semantics, ``step_model``): per step, each core
  updates its neurons in ascending id, one after the other (``neuron_update`` actions on its
  threads, or ``neuron_update_spiking`` for a neuron that fires, when the machine declares that
  action; under event semantics only those with input or able to fire); a neuron that fires
  sends its spike as soon as its update ends, before the core's next update, as one multicast
  packet along its routing tree or one unicast packet per destination core (``packet_send``;
  ``noc_model`` hop by hop with contention, or in closed form with ``analytic``), and each
  destination core processes the packet's synapses when it arrives (``packet_recv``, ``synop``
  actions), serving packets in the order they arrive, after its own work of the step (the
  kernel's time order; ``book_arrivals`` keeps that order in closed form). A packet that
  arrives after the step that should have consumed it began is applied at the next step and
  counted *late* (the network then differs from the discrete-time one, as on real hardware);
  barrier steps wait for every packet, so none is late there.

The step handler is generated per set of neuron models (``generated.load_generated``), so
each model's ``step`` is an inlined direct call; sizes, populations, projections, parameters and
delays are data laid out by ``network_layout``, whose compiled types are the same for every
network: the functions below compile once for all networks.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .context import ERR_USER, fail, register_error, schedule_at
from .core_model import ERR_NO_ACTION, core_execute, core_occupy, core_work_ps
from .errors import ConfigError
from .generated import load_generated
from .jit import kernel_jit
from .network_layout import DELAY0, PORT, POST_OFF, ROW0, SOURCE, SYN0, UNIFORM
from .noc_model import noc_flits, noc_multicast, noc_path_tail_ps, noc_unicast
from .port_model import READ, port_transfer
from .step_model import BARRIER, EVENT, step_end, step_note_finish

ERR_LATE = register_error(ERR_USER + 10, "a spike packet arrived {a} steps after it was sent, "
                                         "beyond the input ring of {b} slots; raise ring_slack")
ERR_ARRIVALS_FULL = register_error(
    ERR_USER + 13, "the analytic NoC's {a} recorded arrivals fill its buffer: packets arrive more "
                   "steps after they were sent than the input ring has slots; raise ring_slack")
ERR_UNCOUNTED_SPIKES = register_error(
    ERR_USER + 12, "core {a}: neuron {b} fired in a step but was not counted as updated "
                   "(a neuron model's quiescent() says a neuron that fires cannot)")

# dest_rows[] columns
DEST_LO, DEST_HI, DEST_SYNOP_PS = range(3)

# counters[] slots
(N_STEPS, STEP_KIND, REC_COUNT, SPIKES, SYN_EVENTS, UPDATES, IN_CURSOR, CUR_STEP, LATE,
 OUTSTANDING, ISSUING, PAUSE_AT, PAUSED_STEP, PAUSED_T, CUR_SLOT, CUR_VALUE_ROW,
 N_COUNTERS) = range(17)

NetState = namedtuple("NetState", [
    "state", "coef", "pop_off", "pop_model", "pop_coef_col", "pop_shared", "ring",
    "flags", "proj_indptr", "proj_indices", "proj_weights", "proj_delay", "proj_info",
    "pre_proj_ptr", "pre_proj_ids", "pop_of", "syn_ptr", "syn_post", "syn_w", "syn_delay",
    "syn_port", "syn_source", "in_step", "in_gid", "in_port", "in_value", "spiked", "rec_gid",
    "rec_step", "dt_ps", "value", "pop_outputs", "counters"])
NetState.__doc__ = """Arrays of one network run, laid out as ``network_layout`` describes, so that
their compiled types are the same for every network: state[v, g], coef[k, column], and
pop_model, pop_coef_col, pop_shared per population; pop_off[p] = first global
neuron id of population p; ring[slot, port, g] = input of neuron g for a step (D slots, the most
ports of any model), flags[g] = it spiked this step; proj_* = the projections (indptr, indices,
weights, per-synapse delay steps, info; ``network_layout.ProjectionLayout``),
pre_proj_ids[pre_proj_ptr[p]:pre_proj_ptr[p+1]] = projections from population p, pop_of[g] =
population of neuron g (the software run delivers from these);
syn_* = on a machine, all projections as one CSR over global pre neurons sorted by post core
(post global id, weight, delay in steps >= 1, port); in_* = external inputs sorted by step;
rec_* = spikes recorded since the last drain (global id, step); value[k % V, o, g] = output o
of neuron g's spike of step k (1 for binary spikes; a graded model's output state rows
pop_outputs[p, o] >= 0, e.g. EGRU's y = c, or an SSM mode's real and imaginary parts); a
projection carries output proj_info[j, SOURCE] (syn_source per synapse on a machine); V = 1
when no population is graded, else the ring depth (a packet may arrive that many steps
late)."""

HwState = namedtuple("HwState", [
    "cores", "steps", "noc", "core_of", "route_of", "n_dest", "dest_ptr", "dest_core",
    "dest_rows", "updates_on_core", "neurons_on_core", "actions",
    "spike_bytes", "multicast", "analytic",
    "route_dest_ptr", "route_dest_core", "route_dest_tail_ps",
    "route_uses", "update_busy_ps", "update_count", "update_ps", "recv_count", "synop_count",
    "synop_busy_ps", "dest_tree_pos", "update_rank", "chain_ps", "chain_rank", "spiking_count",
    "spiking_ps",
    "arr_t", "arr_core", "arr_where", "arr_spike", "arr_order", "arr_tmp", "arr_count",
    "arr_core_end", "dma_on", "ports", "syn_port", "dest_dma_bytes"])
HwState.__doc__ = """The machine side of a run: core, step and NoC states; core_of[g] and
route_of[g] (multicast route) per neuron; n_dest[g] packets each spike makes; the synapses of
pre neuron g on destination core dest_core[e] are syn rows lo:hi for e in
dest_ptr[g]:dest_ptr[g+1] (synapses sorted by post core), whose synops keep the core busy
synop_ps (ps, rounded as ``core_execute`` rounds): dest_rows[e] = (lo, hi, synop_ps) (columns
DEST_LO, DEST_HI, DEST_SYNOP_PS); updates_on_core[c] counts a step's updates under event
semantics, neurons_on_core[c] is what every other step charges;
actions = [neuron_update, synop, packet_send or -1, packet_recv or -1, neuron_update_spiking
or -1]; multicast: one packet per spike along its tree, else one unicast packet per destination
core (each charged a packet_send); analytic: packets are not simulated hop by hop but charged
and delivered in closed form (no contention), with the
destination cores and uncontended tail latencies of multicast route r in route_dest_core
(ascending within a route) and route_dest_tail_ps; route_uses[r] counts the spikes sent along
route r, whose links are charged after the run (``noc_model.charge_route_uses``: the same
count x cost as charging each packet); update_busy_ps[c] is the busy time of updating all
of core c's neurons as neuron_update; update_count[c], update_ps[c], recv_count[c],
synop_count[c] and synop_busy_ps[c] are the neuron_update actions of core c and their busy time
(ps), its packet_recv actions, its synop actions and their busy time, and spiking_count[c],
spiking_ps[c] its neuron_update_spiking actions (updates of neurons that fired; a machine that
declares the action charges them instead of neuron_update) and their busy time (ps), all
charged after the run (``charge_core_work``: the same counts and busy time as charging each
action, energy up to the order of summation); update_rank[g]: the position of neuron g among
the neurons its core updates in a step (ascending ids; fixed unless under event semantics,
where it is set each step for the neurons updated, -1 for the others); chain_ps[c],
chain_rank[c]: scratch, when core c's chain of the current step's work is free and the rank
of the last neuron it has updated (-1 between steps: none; ``issue_core_work``);
dest_tree_pos[e]: the position of dest_core[e] among the destination cores of g's multicast
route; arr_*: the analytic NoC's arrivals not yet served (``note_arrival``, ``book_arrivals``):
the first arr_count[0] records, each the time it reaches its core (ps, arr_t), that core
(arr_core), its destination entry there (arr_where, -1: a look-up only) and the spike
(arr_spike: neuron | step sent << 32), with arr_order, arr_tmp (as long) and arr_core_end
(one per core) the scratch of ordering them; dma_on: some synapse rows are off-chip, and then
destination entry e's row is dest_dma_bytes[e] bytes (0: in SRAM) that core c reads by DMA
through port syn_port[c] of ``ports`` (``port_model``: its chip's synapse memory) after the
look-up and before the synops."""

HwNet = namedtuple("HwNet", ["net", "hw"])

# -- compiled pieces shared by the generated handlers ----------------------------------------


@kernel_jit(inline="always")
def pause_here(net, t_ps, k):
    """True (and the step and time kept) if step k must wait for Python: at the pause step
    the run asked for, or when the spike record could not hold another step's spikes."""
    c = net.counters
    n = net.pop_off[net.pop_off.shape[0] - 1]
    if k >= c[PAUSE_AT] or c[REC_COUNT] + n > net.rec_gid.shape[0]:
        c[PAUSED_STEP] = k
        c[PAUSED_T] = t_ps
        return True
    return False


@kernel_jit(inline="always")
def begin_current_step(net, k):
    """Step k is the latest begun on the machine: its ring slot and value row (k mod the ring
    depth and the value rows) are kept for the spikes it sends (``add_spike``)."""
    c = net.counters
    c[CUR_STEP] = k
    c[CUR_SLOT] = k % net.ring.shape[0]
    c[CUR_VALUE_ROW] = k % net.value.shape[0]


@kernel_jit(inline="always")
def graded_values(net, k, n_spiked):
    """Store the value each graded spike of step k carries (binary spikes carry 1)."""
    V = net.value.shape[0]
    for j in range(n_spiked):
        g = net.spiked[j]
        p = net.pop_of[g]
        for o in range(net.pop_outputs.shape[1]):
            row = net.pop_outputs[p, o]
            if row >= 0:
                net.value[k % V, o, g] = net.state[row, g]


@kernel_jit(inline="always")
def apply_inputs(net, k, slot):
    """Add the external inputs of step ``k`` to ring slot ``slot``."""
    c = net.counters
    j = c[IN_CURSOR]
    while j < net.in_step.shape[0] and net.in_step[j] == k:
        net.ring[slot, net.in_port[j], net.in_gid[j]] += net.in_value[j]
        j += 1
    c[IN_CURSOR] = j


@kernel_jit(inline="always")
def record_spikes(net, k, n_spiked):
    """Append this step's spikes to the record buffer (sized so that a chunk always fits)."""
    c = net.counters
    n = c[REC_COUNT]
    for j in range(n_spiked):
        net.rec_gid[n + j] = net.spiked[j]
        net.rec_step[n + j] = k
    c[REC_COUNT] = n + n_spiked
    c[SPIKES] += n_spiked


@kernel_jit
def deliver_in_software(net, k, n_spiked):
    """Every spike of step k into the ring slots of its synapses' delays."""
    D = net.ring.shape[0]
    events = 0
    for j in range(n_spiked):
        g = net.spiked[j]
        p = net.pop_of[g]
        i = g - net.pop_off[p]
        for e in range(net.pre_proj_ptr[p], net.pre_proj_ptr[p + 1]):
            pj = net.pre_proj_ids[e]
            value = net.value[k % net.value.shape[0], net.proj_info[pj, SOURCE], g]
            events += _deliver_row(net, pj, i, k, D, value)
    net.counters[SYN_EVENTS] += events


@kernel_jit
def _deliver_row(net, pj, i, k, D, value):
    """Add pre neuron i's synapses of projection pj, times its spike's ``value``, to the ring;
    returns their number."""
    info = net.proj_info[pj]
    ring, indices, weights = net.ring, net.proj_indices, net.proj_weights
    port, post_off, uniform = info[PORT], info[POST_OFF], info[UNIFORM]
    lo, hi = net.proj_indptr[info[ROW0] + i], net.proj_indptr[info[ROW0] + i + 1]
    if uniform >= 0:
        slot = (k + uniform) % D
        for s in range(lo, hi):
            ring[slot, port, post_off + indices[s]] += weights[s] * value
    else:
        delays = net.proj_delay
        shift = info[DELAY0] - info[SYN0]
        for s in range(lo, hi):
            ring[(k + delays[s + shift]) % D, port, post_off + indices[s]] += weights[s] * value
    return hi - lo


@kernel_jit(inline="always")
def next_step_in_software(ctx, net, t_ps, k):
    if k + 1 < net.counters[N_STEPS]:
        schedule_at(ctx, t_ps + net.dt_ps, net.counters[STEP_KIND], 0, k + 1)


@kernel_jit
def issue_core_work(ctx, run, t_ps, k, n_spiked):
    """From t_ps, each core updates its neurons of this step in order (ascending neuron id) as
    one chain of work: a neuron that fires sends its spike's packets (``send_spike``) as soon as
    its own update ends, and the core's next updates follow the sends (``update_core`` for each
    run of updates up to a firing neuron, then one for the rest)."""
    hw, net = run.hw, run.net
    C = hw.updates_on_core.shape[0]
    dense = hw.steps.semantics != EVENT
    for j in range(n_spiked):
        g = net.spiked[j]
        c = hw.core_of[g]
        r, last = hw.update_rank[g], hw.chain_rank[c]
        if r <= last:
            fail(ctx, ERR_UNCOUNTED_SPIKES, c, g)
            return
        t = t_ps if last < 0 else hw.chain_ps[c]
        fin = update_core(ctx, hw, t, c, r - last - 1, 1, False)
        if fin < 0:
            return
        hw.chain_rank[c] = r
        fin = send_spike(ctx, run, fin, c, g, k)
        if fin < 0:
            return
        hw.chain_ps[c] = fin
    for c in range(C):
        n = hw.neurons_on_core[c] if dense else hw.updates_on_core[c]
        last = hw.chain_rank[c]
        if n - last - 1 > 0:
            t = t_ps if last < 0 else hw.chain_ps[c]
            if update_core(ctx, hw, t, c, n - last - 1, 0, dense and last < 0) < 0:
                return
        hw.updates_on_core[c] = 0
        hw.chain_rank[c] = -1
    if hw.analytic:
        book_arrivals(ctx, run, k)


@kernel_jit(inline="always")
def update_core(ctx, hw, t_ps, c, n_quiet, n_spiking, whole):
    """Core c updates ``n_quiet`` neurons that did not fire (neuron_update actions) and then
    ``n_spiking`` that did (neuron_update_spiking where the machine declares it, else
    neuron_update) from t_ps, as one work item busy for the sum of the actions' times (ps;
    ``whole``: all of its neurons as neuron_update, precomputed). Timed now, counted in
    update_count, update_ps, spiking_count and spiking_ps, charged after the run
    (``charge_core_work``). Returns the finish time (ps), -1 on error."""
    cores = hw.cores
    a, a_spiking = hw.actions[0], hw.actions[4]
    if a_spiking < 0:
        n_quiet, n_spiking = n_quiet + n_spiking, 0
    if cores.row[c, a] < 0:
        fail(ctx, ERR_NO_ACTION, c, a)
        return np.int64(-1)
    busy_ps = hw.update_busy_ps[c] if whole else core_work_ps(cores, c, a, n_quiet)
    hw.update_count[c] += n_quiet
    hw.update_ps[c] += busy_ps
    if n_spiking > 0:
        if cores.row[c, a_spiking] < 0:
            fail(ctx, ERR_NO_ACTION, c, a_spiking)
            return np.int64(-1)
        spiking_ps = core_work_ps(cores, c, a_spiking, n_spiking)
        hw.spiking_count[c] += n_spiking
        hw.spiking_ps[c] += spiking_ps
        busy_ps += spiking_ps
    fin = core_occupy(ctx.trace, cores, t_ps, c, a, busy_ps)
    step_note_finish(hw.steps, c, fin)
    return fin


@kernel_jit
def send_spike(ctx, run, t_ps, c, g, k):
    """Core c sends neuron g's spike of step k from t_ps: one multicast packet along its tree
    or one unicast packet per destination core, each after a packet_send (if the machine
    declares it), hop by hop (``noc_model``) or in closed form (``send_analytic``). Returns
    when the core has sent them (ps), -1 on error."""
    hw, net = run.hw, run.net
    if hw.route_of[g] < 0:
        return t_ps
    a_send = hw.actions[2]
    if hw.analytic:
        return send_analytic(ctx, run, t_ps, c, g, k)
    payload = g | (k << 32)
    t = t_ps
    if hw.multicast:
        t = _send_cost(ctx, hw, c, t, a_send)
        net.counters[OUTSTANDING] += hw.n_dest[g]
        noc_multicast(ctx, hw.noc, t, c, hw.route_of[g], hw.spike_bytes, payload)
        return t
    for e in range(hw.dest_ptr[g], hw.dest_ptr[g + 1]):
        t = _send_cost(ctx, hw, c, t, a_send)
        net.counters[OUTSTANDING] += 1
        noc_unicast(ctx, hw.noc, t, c, hw.dest_core[e], hw.spike_bytes, payload)
    return t


@kernel_jit(inline="always")
def _send_cost(ctx, hw, core, t_ps, a_send):
    """Charge one packet_send on ``core`` from t_ps (if the machine declares it); return when
    the packet leaves."""
    if a_send < 0:
        return t_ps
    t = core_execute(ctx, hw.cores, t_ps, core, a_send, 1)
    step_note_finish(hw.steps, core, t)
    return t


@kernel_jit(inline="always")
def close_step(ctx, run, k):
    """End step k when its work is issued and (barrier) its last packet is processed."""
    net = run.net
    net.counters[ISSUING] = 0
    if run.hw.steps.semantics == BARRIER and net.counters[OUTSTANDING] > 0:
        return
    step_end(ctx, run.hw.steps, k, net.counters[STEP_KIND])


@kernel_jit(inline="always")
def first_at_least(a, lo, hi, x):
    """The first i in lo:hi with a[i] >= x (a ascending there; hi if none): up to 64 entries
    by counting those below x (a loop without branches on the data: a bisection's branches on
    a spike's destinations mispredict, a fifth of a packet's delivery in the profile), more by
    bisection."""
    if hi - lo <= 64:
        below = 0
        for i in range(lo, hi):
            below += a[i] < x
        return lo + below
    n = hi - lo
    while n > 1:
        half = n >> 1
        lo = lo + half if a[lo + half] < x else lo
        n -= half
    return lo + 1 if a[lo] < x else lo


@kernel_jit(inline="always")
def process_synapses(ctx, run, t_ps, core, g, k_sent, cur, e):
    """Neuron g's spike of step k_sent reaches ``core`` at t_ps while step ``cur`` is the
    latest begun, and its synapses there are those of destination entry e (-1: none): the core
    works on them (``receive``) and their inputs go into the ring slots of their steps
    (``add_spike`` while step k_sent is current: none can be late; else ``add_inputs``). False
    on error."""
    hw = run.hw
    if e < 0:
        receive(ctx, hw, t_ps, core, 0, 0)
        return True
    rows = hw.dest_rows
    lo, hi = rows[e, DEST_LO], rows[e, DEST_HI]
    if hw.dma_on and hw.dest_dma_bytes[e] > 0:
        receive_by_dma(ctx, hw, t_ps, core, hi - lo, rows[e, DEST_SYNOP_PS], hw.dest_dma_bytes[e])
    else:
        receive(ctx, hw, t_ps, core, hi - lo, rows[e, DEST_SYNOP_PS])
    if cur == k_sent:
        add_spike(run.net, g, k_sent, lo, hi)
        return True
    return add_inputs(ctx, run.net, g, k_sent, cur, lo, hi)


@kernel_jit(inline="always")
def receive(ctx, hw, t_ps, core, n_syn, synop_ps):
    """A spike packet reaches ``core`` at t_ps, with ``n_syn`` synapses there that take
    ``synop_ps`` of busy time: the core looks it up (packet_recv, if the machine declares it),
    then processes them (synop), each on the thread that frees first, as ``core_execute``
    would. The actions are counted per core (recv_count, synop_count, synop_busy_ps) and
    charged to the ledger after the run (``charge_core_work``). Returns when the core is done
    (ps)."""
    t = look_up(ctx, hw, t_ps, core)
    if n_syn == 0:
        return t
    return synops(ctx, hw, t, core, n_syn, synop_ps)


@kernel_jit
def receive_by_dma(ctx, hw, t_ps, core, n_syn, synop_ps, n_bytes):
    """``receive`` of a spike whose row is off-chip: the look-up, then a DMA read of its
    ``n_bytes`` from the chip's synapse memory (waiting for the memory's port, holding it
    n_bytes / bandwidth, then its latency: ``port_transfer``, which charges the read), then
    the synops. The core serves its arrivals first come first served, so a look-up arriving
    during another spike's DMA waits for that spike's synops. Returns when the core is done
    (ps)."""
    t = look_up(ctx, hw, t_ps, core)
    t = port_transfer(ctx, hw.ports, t, hw.syn_port[core], READ, n_bytes)
    if n_syn == 0:
        return t
    return synops(ctx, hw, t, core, n_syn, synop_ps)


@kernel_jit(inline="always")
def look_up(ctx, hw, t_ps, core):
    """The first half of ``receive``: the packet_recv (if the machine declares it) of a packet
    reaching ``core`` at t_ps. Returns when it ends (ps). Every core a packet reaches can do
    it (``check_receivers``, before the run)."""
    cores = hw.cores
    a_recv = hw.actions[3]
    t = t_ps
    if a_recv >= 0:
        t = core_occupy(ctx.trace, cores, t, core, a_recv, cores.busy_ps[core, a_recv])
        hw.recv_count[core] += 1
    step_note_finish(hw.steps, core, t)
    return t


@kernel_jit(inline="always")
def synops(ctx, hw, t_ps, core, n_syn, synop_ps):
    """The second half of ``receive``: ``n_syn`` synops on ``core`` from t_ps, busy for
    synop_ps. Returns when they end (ps). Every core holding synapses can do them
    (``check_receivers``, before the run)."""
    cores = hw.cores
    a_syn = hw.actions[1]
    t = core_occupy(ctx.trace, cores, t_ps, core, a_syn, synop_ps)
    hw.synop_count[core] += n_syn
    hw.synop_busy_ps[core] += synop_ps
    step_note_finish(hw.steps, core, t)
    return t


@kernel_jit(inline="always")
def add_spike(net, g, k_sent, lo, hi):
    """Add the inputs of neuron g's spike of step k_sent through syn rows lo:hi to the ring
    slots of their steps, all received while step k_sent is current (so none is late:
    delays are >= 1 step; its slot and value row: ``begin_current_step``)."""
    D = net.ring.shape[0]
    v_row = net.counters[CUR_VALUE_ROW]
    sent_slot = net.counters[CUR_SLOT]
    ring = net.ring
    for s in range(lo, hi):
        slot = sent_slot + net.syn_delay[s]           # (k_sent + delay) % D, delay < D
        slot = slot - D if slot >= D else slot
        value = net.value[v_row, net.syn_source[s], g]
        ring[slot, net.syn_port[s], net.syn_post[s]] += net.syn_w[s] * value
    net.counters[SYN_EVENTS] += hi - lo


@kernel_jit(inline="always")
def add_inputs(ctx, net, g, k_sent, cur, lo, hi):
    """Add the inputs of neuron g's spike of step k_sent through syn rows lo:hi to the ring
    slots of their steps, while step ``cur`` is the latest begun (a step already begun: the
    next one, counted late). False on error."""
    D = net.ring.shape[0]
    v_row = k_sent % net.value.shape[0]
    sent_slot = k_sent % D
    ring = net.ring
    for s in range(lo, hi):
        delay = np.int64(net.syn_delay[s])
        if k_sent + delay <= cur:
            net.counters[LATE] += 1
            delay = cur + 1 - k_sent
            if delay >= D:
                fail(ctx, ERR_LATE, delay, D)
                return False
        slot = sent_slot + delay                      # (k_sent + delay) % D, delay < D
        slot = slot - D if slot >= D else slot
        value = net.value[v_row, net.syn_source[s], g]
        ring[slot, net.syn_port[s], net.syn_post[s]] += net.syn_w[s] * value
    net.counters[SYN_EVENTS] += hi - lo
    return True


@kernel_jit
def deliver_packet(t_ps, group, payload, run, ctx):
    """A spike packet from the NoC model reaches the cores of delivery ``group`` (ascending;
    ``noc_model``): payload = neuron | step sent << 32. Each core in turn processes its synapses
    of that neuron (``process_synapses``; the first found by ``first_at_least``, the others by
    walking on: the neuron's destination cores are ascending too) while the latest step begun is current."""
    net, hw = run.net, run.hw
    noc = hw.noc
    cur = net.counters[CUR_STEP]
    g, k_sent = payload & 0xFFFFFFFF, payload >> 32
    lo, hi = noc.deliv_ptr[group], noc.deliv_ptr[group + 1]
    e, e_end = hw.dest_ptr[g], hw.dest_ptr[g + 1]
    e = first_at_least(hw.dest_core, e, e_end, noc.deliv_core[lo])
    for i in range(lo, hi):
        core = noc.deliv_core[i]
        while e < e_end and hw.dest_core[e] < core:
            e += 1
        where = e if e < e_end and hw.dest_core[e] == core else -1
        if not process_synapses(ctx, run, t_ps, core, g, k_sent, cur, where):
            return
    net.counters[OUTSTANDING] -= hi - lo
    if hw.steps.semantics == BARRIER and net.counters[OUTSTANDING] == 0 \
            and net.counters[ISSUING] == 0:
        step_end(ctx, hw.steps, cur, net.counters[STEP_KIND])


@kernel_jit(inline="always")
def send_analytic(ctx, run, t_ps, c, g, k):
    """Core c sends neuron g's spike of step k from t_ps with the NoC taken as uncontended:
    after a packet_send per packet (one multicast packet, or one unicast packet per
    destination core), every link of its tree (multicast: counted in route_uses, charged after
    the run) or of each path (unicast) is charged its flits, and the packet's arrival at each
    destination core, when its tail would arrive, is recorded (``note_arrival``) for
    ``book_arrivals``. Returns when the core has sent them (ps), -1 on error."""
    hw = run.hw
    noc = hw.noc
    a_send = hw.actions[2]
    if hw.multicast:
        t = _send_cost(ctx, hw, c, t_ps, a_send)
        return t if multicast_analytic(ctx, run, t, g, k) else np.int64(-1)
    flits = noc_flits(noc, hw.spike_bytes)
    src = noc.core_router[c]
    spike = g | (k << 32)
    t = t_ps
    for e in range(hw.dest_ptr[g], hw.dest_ptr[g + 1]):
        t = _send_cost(ctx, hw, c, t, a_send)
        t_arr = t + noc_path_tail_ps(ctx, noc, src, noc.core_router[hw.dest_core[e]], flits)
        if not note_arrival(ctx, hw, t_arr, hw.dest_core[e], e, spike):
            return np.int64(-1)
    return t


@kernel_jit(inline="always")
def multicast_analytic(ctx, run, t_send, g, k):
    """``send_analytic`` along g's multicast tree: the spike reaches each destination core of
    the tree when its tail would arrive; a core holding g's synapses (destination entry s,
    matched by ``dest_tree_pos``) processes them, any other only looks the spike up. False
    on error."""
    hw = run.hw
    r = hw.route_of[g]
    hw.route_uses[r] += 1                                # its links: charge_route_uses
    e0, e_end = hw.route_dest_ptr[r], hw.route_dest_ptr[r + 1]
    s, s_end = hw.dest_ptr[g], hw.dest_ptr[g + 1]       # g's cores, ascending as the tree's
    spike = g | (k << 32)
    for e in range(e0, e_end):
        where = -1
        if s < s_end and hw.dest_tree_pos[s] == e - e0:
            where = s
            s += 1
        if not note_arrival(ctx, hw, t_send + hw.route_dest_tail_ps[e], hw.route_dest_core[e],
                            where, spike):
            return False
    return True


@kernel_jit(inline="always")
def note_arrival(ctx, hw, t_ps, core, where, spike):
    """Record that a spike packet (``spike`` = neuron | step sent << 32) reaches ``core`` at
    t_ps (ps) under the analytic NoC: where >= 0 is the destination entry whose synapses it
    reaches there, -1 none (the core only looks it up). False (an error recorded) when the
    buffer is full."""
    n = hw.arr_count[0]
    if n >= hw.arr_t.shape[0]:
        fail(ctx, ERR_ARRIVALS_FULL, n)
        return False
    hw.arr_t[n] = t_ps
    hw.arr_core[n] = core
    hw.arr_where[n] = where
    hw.arr_spike[n] = spike
    hw.arr_count[0] = n + 1
    return True


@kernel_jit
def book_arrivals(ctx, run, k):
    """At the end of step k's issue, under the analytic NoC: each destination core serves its
    recorded arrivals in the order they arrive (ties in the order recorded), as the packet NoC
    delivers them, first come first served after the step's own updates and sends (cores are
    independent, so core by core). Those arriving before step k + 1 begins (all of them under
    barrier semantics, where it waits for them, or in the last step) are served now, while
    step k is current (inputs too late for their step go to the next one, counted late:
    ``process_synapses``); the others stay recorded for the step in which they arrive. When
    rows are read by DMA, the cores of a chip share its memory's port, so all arrivals are
    served in the order they arrive."""
    hw = run.hw
    steps = hw.steps
    n = hw.arr_count[0]
    if n == 0:
        return
    all_now = steps.semantics == BARRIER or k + 1 >= steps.n_steps
    next_start = steps.start_ps[k] + steps.step_ps
    kept = 0
    lo = 0
    if hw.dma_on:                # cores share their chip's memory port: all in time order
        for m in range(n):
            hw.arr_order[m] = m
        sort_by_time(hw.arr_t, hw.arr_order, hw.arr_tmp, 0, n)
        ends = hw.arr_core_end[:1]
        ends[0] = n
    else:
        by_core(hw, n)
        ends = hw.arr_core_end
    for c in range(ends.shape[0]):
        hi = ends[c]
        if hi - lo > 1 and not hw.dma_on:
            sort_by_time(hw.arr_t, hw.arr_order, hw.arr_tmp, lo, hi)
        for m in range(lo, hi):
            i = hw.arr_order[m]
            if all_now or hw.arr_t[i] < next_start:
                if not book_arrival(ctx, run, i, k):
                    return
            else:                                      # the order's first entries are free
                hw.arr_order[kept] = i
                kept += 1
        lo = hi
    keep_arrivals(hw, kept)


@kernel_jit(inline="always")
def by_core(hw, n):
    """arr_order[:n] = the recorded arrivals grouped by core (a stable counting sort): those
    of core c at arr_order[arr_core_end[c - 1]:arr_core_end[c]] (from 0 for c = 0)."""
    end = hw.arr_core_end
    for c in range(end.shape[0]):
        end[c] = 0
    for i in range(n):
        end[hw.arr_core[i]] += 1
    total = 0
    for c in range(end.shape[0]):                      # end[c] = where core c's group starts
        total += end[c]
        end[c] = total - end[c]
    for i in range(n):                                 # ... and then where it ends
        c = hw.arr_core[i]
        hw.arr_order[end[c]] = i
        end[c] += 1


@kernel_jit(inline="always")
def book_arrival(ctx, run, i, cur):
    """Serve recorded arrival i (``note_arrival``) while step ``cur`` is current (the core's
    work, then the inputs: ``process_synapses``). False on error."""
    hw = run.hw
    spike = hw.arr_spike[i]
    return process_synapses(ctx, run, hw.arr_t[i], hw.arr_core[i], spike & 0xFFFFFFFF,
                            spike >> 32, cur, hw.arr_where[i])


@kernel_jit(inline="always")
def keep_arrivals(hw, kept):
    """Keep the arrivals arr_order[:kept] (those not yet served), in that order, as the first
    ``kept`` records."""
    for field in (hw.arr_t, hw.arr_core, hw.arr_where, hw.arr_spike):
        for j in range(kept):
            hw.arr_tmp[j] = field[hw.arr_order[j]]
        for j in range(kept):
            field[j] = hw.arr_tmp[j]
    hw.arr_count[0] = kept


@kernel_jit
def sort_by_time(t, order, tmp, lo, hi):
    """Sort order[lo:hi] (indices into t) by t, stably: runs of 16 by insertion, then
    bottom-up merges with tmp[lo:hi] as scratch (no allocation)."""
    run = 16
    for a in range(lo, hi, run):
        b = min(a + run, hi)
        for i in range(a + 1, b):
            x, j = order[i], i
            while j > a and t[order[j - 1]] > t[x]:
                order[j] = order[j - 1]
                j -= 1
            order[j] = x
    width, in_order = run, True
    while width < hi - lo:
        src, dst = (order, tmp) if in_order else (tmp, order)
        for a in range(lo, hi, 2 * width):
            _merge(t, src, dst, a, min(a + width, hi), min(a + 2 * width, hi))
        in_order = not in_order
        width *= 2
    if not in_order:
        for i in range(lo, hi):
            order[i] = tmp[i]


@kernel_jit
def _merge(t, src, dst, lo, mid, hi):
    """dst[lo:hi] = the sorted runs src[lo:mid] and src[mid:hi] merged by t, stably."""
    i, j = lo, mid
    for o in range(lo, hi):
        if j >= hi or (i < mid and t[src[i]] <= t[src[j]]):
            dst[o] = src[i]
            i += 1
        else:
            dst[o] = src[j]
            j += 1


def check_receivers(cores, actions, reached, holding) -> None:
    """Raise ConfigError unless every core in ``reached`` (cores that spike packets reach) can
    do packet_recv, if the machine declares it, and every core in ``holding`` (cores holding
    synapses) can do synop (actions as in ``HwState``), so that a run need not check them per
    packet."""
    for action, name, need in ((actions[3], "packet_recv", reached), (actions[1], "synop", holding)):
        need = np.asarray(need, np.int64)
        if action < 0:
            if name == "synop" and need.size:
                raise ConfigError(f"cores {np.unique(need)[:5].tolist()} hold synapses but the "
                                  f"machine declares no synop action")
            continue
        unable = np.unique(need[cores.row[need, action] < 0])    # distinct only where failing
        if unable.size:
            raise ConfigError(f"core {int(unable[0])} receives spike packets but cannot do "
                              f"{name} (the machine declares no cost for it there)"
                              + (f"; {unable.size - 1} more such cores" if unable.size > 1 else ""))


def charge_core_work(ledger, hw) -> None:
    """Charge each core its neuron_update, neuron_update_spiking (if the machine declares it),
    packet_recv and synop actions counted during the run (count x energy per action, their busy
    time) and zero the counts."""
    cores = hw.cores
    a_update, a_syn, a_recv = int(hw.actions[0]), int(hw.actions[1]), int(hw.actions[3])
    a_spiking = int(hw.actions[4])
    a = ledger.arrays
    charges = [(a_update, hw.update_count, hw.update_ps),
               (a_syn, hw.synop_count, hw.synop_busy_ps)]
    if a_spiking >= 0:
        charges.append((a_spiking, hw.spiking_count, hw.spiking_ps))
    if a_recv >= 0:
        charges.append((a_recv, hw.recv_count, hw.recv_count * cores.busy_ps[:, a_recv]))
    for action, n, busy in charges:
        c = np.flatnonzero(n)
        rows = cores.row[c, action]
        np.add.at(a.count, rows, n[c])
        np.add.at(a.energy_pj, rows, n[c] * cores.energy_pj[c, action])
        np.add.at(a.busy_ps, rows, busy[c])
    for x in (hw.update_count, hw.update_ps, hw.recv_count, hw.synop_count,
              hw.synop_busy_ps, hw.spiking_count, hw.spiking_ps):
        x[:] = 0


# -- the generated step handlers ------------------------------------------------------------

_TEMPLATE = '''\
# Generated by eventsim.network_runtime for models {models}. Do not edit.
import numpy as np
from eventsim.jit import kernel_jit
from eventsim.network_runtime import (apply_inputs, record_spikes, deliver_in_software,
    next_step_in_software, issue_core_work, close_step, pause_here, graded_values,
    begin_current_step, ISSUING, UPDATES)
from eventsim.step_model import step_begin, EVENT
{imports}


@kernel_jit
def update_neurons(net, k, counts, core_of, rank, dense):
    """Step k of every population; returns the number of spikes (their ids in net.spiked).
    With core_of given, the machine's updates are counted: all neurons when ``dense`` (the
    caller charges each core its neurons), else counts[core_of[g]] += 1 for each neuron with
    input or not quiescent, with rank[g] = its position among its core's updates (-1: not
    updated)."""
    slot = k % net.ring.shape[0]
    apply_inputs(net, k, slot)
    count = core_of.shape[0] > 0
    updates = 0
    n_spiked = 0
    for p in range(net.pop_model.shape[0]):
        m = net.pop_model[p]
{dispatch}
    graded_values(net, k, n_spiked)
    net.counters[UPDATES] += updates if count else net.pop_of.shape[0]
    return n_spiked


@kernel_jit
def software_step(t_ps, target, k, net, ctx):
    if pause_here(net, t_ps, k):
        return
    n_spiked = update_neurons(net, k, net.pop_off[:0], net.pop_off[:0], net.pop_off[:0], True)
    record_spikes(net, k, n_spiked)
    deliver_in_software(net, k, n_spiked)
    next_step_in_software(ctx, net, t_ps, k)


@kernel_jit
def machine_step(t_ps, target, k, run, ctx):
    net = run.net
    if pause_here(net, t_ps, k):
        return
    step_begin(run.hw.steps, k, t_ps)
    begin_current_step(net, k)
    net.counters[ISSUING] = 1
    n_spiked = update_neurons(net, k, run.hw.updates_on_core, run.hw.core_of,
                              run.hw.update_rank, run.hw.steps.semantics != EVENT)
    record_spikes(net, k, n_spiked)
    issue_core_work(ctx, run, t_ps, k, n_spiked)
    close_step(ctx, run, k)
'''

_POPULATION = '''

@kernel_jit
def _population{m}(net, p, slot, counts, core_of, rank, dense, count, n_spiked):
    """Step slot's update of population p, of model {model}: (spikes so far, updates).
    Neuron ids and constants columns are unsigned so that indexing needs no negative-index
    wraparound and the update loop vectorises."""
    st, cf, ring, flags = net.state, net.coef, net.ring, net.flags
    off, ccol = np.uint64(net.pop_off[p]), np.uint64(net.pop_coef_col[p])
    n = net.pop_off[p + 1] - net.pop_off[p]
    updates = 0
    shared = net.pop_shared[p] == 1
    if count and dense:
        updates += n
    elif count:
        for i in range(n):
            g = off + np.uint64(i)
            has_input = False
            for q in range({ports}):
                has_input |= ring[slot, q, g] != 0.0
            if has_input or not _quiescent{m}(st, cf, g, ccol if shared else ccol + np.uint64(i)):
                c = core_of[g]
                rank[g] = counts[c]
                counts[c] += 1
                updates += 1
            else:
                rank[g] = -1
    if shared:
        for i in range(n):
            g = off + np.uint64(i)
            flags[g] = _step{m}(st, cf, g, ccol, ring, slot, g)
{zero}
    else:
        for i in range(n):
            g = off + np.uint64(i)
            flags[g] = _step{m}(st, cf, g, ccol + np.uint64(i), ring, slot, g)
{zero}
    for b in range(0, n, 64):                          # spikes are sparse: look at a block of
        e = min(b + 64, n)                             # flags at once (a loop that vectorises)
        fired = False
        for i in range(b, e):
            fired |= flags[off + np.uint64(i)]
        if fired:
            for i in range(b, e):
                g = off + np.uint64(i)
                if flags[g]:
                    net.spiked[n_spiked] = g
                    n_spiked += 1
    return n_spiked, updates
'''


def _zero_ports(model) -> str:
    """Source that clears neuron g's ring slot on each of the model's ports (in the update
    loop, so the slot is read and cleared in one pass)."""
    return "\n".join(f"            ring[slot, {q}, g] = 0.0" for q in range(model.ports))


def step_handlers(models):
    """The generated module for networks of the ``NeuronModel``s ``models`` (a set, as
    ``network_layout.model_set`` orders it; population p is of models[net.pop_model[p]]); it
    has ``software_step`` and ``machine_step``. It imports each model's ``step`` and
    ``quiescent`` by name from the model's module."""
    imports = "\n".join(f"from {m.module} import {m.step.__name__} as _step{k}, "
                        f"{m.quiescent.__name__} as _quiescent{k}" for k, m in enumerate(models))
    functions = "".join(_POPULATION.format(m=k, model=m.module, ports=m.ports,
                                           zero=_zero_ports(m)) for k, m in enumerate(models))
    dispatch = "\n".join(
        f"        {'if' if k == 0 else 'elif'} m == {k}:\n"
        f"            n_spiked, u = _population{k}(net, p, slot, counts, core_of, rank, dense, "
        f"count, n_spiked)\n            updates += u" for k in range(len(models)))
    source = _TEMPLATE.format(models=", ".join(m.module for m in models), imports=imports,
                              dispatch=dispatch) + functions
    return load_generated(source, [m.module for m in models], "networks", "eventsim_net")
