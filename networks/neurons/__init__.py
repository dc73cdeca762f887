"""Neuron models, one module each. Every model module defines the same small protocol, which
``eventsim.network_runtime`` compiles into the kernel:

``PARAMS``  names of the per-neuron parameters (columns of a population's ``params`` array)
``DEFAULTS`` default value of each parameter
``STATE``   names of the per-neuron state variables (columns of its ``state`` array)
``PORTS``   number of input ports (e.g. excitatory and inhibitory currents)
``coefficients(params, dt_s) -> float64[N, K]``  per-neuron constants of one step of dt_s seconds
``step(state, coef, i, c, ring, slot, g) -> bool``  one time step of the neuron whose state
    is column i of ``state`` (constants in column c of coef) with the step's inputs
    ``ring[slot, port, g]``: evolve the state over dt, test the threshold (and reset). True if
    it spiked. The runtime (``eventsim.network_layout``) passes the neuron's global id as both
    i and g. It holds ``state`` [S, N] and ``coef`` [K, columns] neuron-last (structure of
    arrays) so that the loop over a population's neurons can vectorise, and a population whose
    neurons share their constants gets one column (c fixed: the constants stay in registers);
    models write their branches as selects (``a if cond else b``) for the same reason.
``OUTPUT`` (optional)  the state row a spike carries as its value (graded spikes, e.g. EGRU's
    y = c); without it a spike carries 1 and a synapse adds its weight
``quiescent(state, coef, i, c) -> bool``  True if, without input, neuron i cannot spike: an
    event-driven machine then need not update it until an input arrives (a safe bound: False
    only costs updates, never changes spikes).

Linear models (``lif``, ``cuba_lif``, ``cuba``, ``if_neuron``, ``li``) also have an exact
event-driven form for ``eventsim.simulate_exact`` (continuous time, no step):
``exact_constants(params) -> float64[N, K]``  time-free constants;
``exact_advance(state, coef, i, c, dt_s)``  evolve neuron i over dt_s seconds without input;
``exact_receive(state, coef, i, c, port, x)``  an input event of weight x (a jump);
``exact_form(state, coef, i, c)``  (wait_s, v_inf, slope, a1, tau1, a2, tau2, a3, tau3,
    threshold): after wait_s, v = v_inf + slope s + sum a_k exp(-s / tau_k)
    (``eventsim.crossing``);
``exact_fire(state, coef, i, c)``  reset after a spike.

What a step's input means is each model's own, stated in its docstring: the NIR models take a
current held over the step (NIR's ODE with a piecewise-constant input, integrated exactly; this
reproduces the exact LIF trace of the NIR paper), the CUBA model of Brette et al. takes jumps of
its synaptic currents (as Brian2's ``on_pre``). Parameters follow NIR's names and units (the
graph's units; time constants in seconds).
"""
import importlib

MODELS = ("lif", "cuba_lif", "cuba", "if_neuron", "li", "adaptive_lif", "izhikevich",
          "threshold", "egru", "relay", "activation", "readout", "ssm", "loihi_lif")


def model_module(name: str):
    """The module implementing neuron model ``name`` (one of MODELS)."""
    from eventsim.errors import ConfigError
    if name not in MODELS:
        raise ConfigError(f"unknown neuron model {name!r}; models: {list(MODELS)}")
    return importlib.import_module(f"{__name__}.{name}")
