"""Neuron models, one module each. Each module defines its model's compiled functions and
registers it (``MODEL = register(NeuronModel(...))``); the protocol a model follows is defined
once, in ``eventsim.neuron_model`` (``NeuronModel``, ``ExactForm``), and a population names
its model by the registered name (``eventsim.neuron_model.resolve``).

What a step's input means is each model's own, stated in its docstring. Parameters follow NIR's
names and units (the graph's units; time constants in seconds). Importing this package
registers every model of ``MODELS``.
"""
from . import (activation, adaptive_lif, cuba, cuba_lif, egru, if_neuron, izhikevich,  # noqa: F401
               li, lif, loihi_lif, readout, relay, ssm, threshold)

MODELS = ("lif", "cuba_lif", "cuba", "if_neuron", "li", "adaptive_lif", "izhikevich",
          "threshold", "egru", "relay", "activation", "readout", "ssm", "loihi_lif")
"""The models of this package, registered when it is imported."""
