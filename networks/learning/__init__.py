"""The numpy training core: datasets, dense and EGRU layers as pure functions over explicit
per-layer parameter arrays, the same layers behind one interface stacked into models
(``layers``: ``Dense``, ``Egru``, ``Stack``), softmax cross-entropy, and SGD with momentum applied
one layer at a time. A scheduler can run layer l's forward with one parameter version, its
backward later, and update the shared parameters of one layer at a time; ``sgd.train_sgd`` is
the sequential oracle.

Conventions (every module): parameters and arithmetic are float64; a multiply-add counts as
2 FLOPs; sizes in bytes; one ``seed`` in, identical numbers out.
"""
from .counts import PassCounts
from .datasets import Dataset, digits, minibatches, sequential_digits, synthetic
from .delays import DELAY_KINDS, DELAY_PER, WorkerDelays
from .egru_layer import (activity_sparsity, egru_backward, egru_bytes, egru_flops, egru_forward,
                         egru_params, from_stack_weights, init_egru, surrogate, to_stack_weights)
from .layers import (Dense, Egru, Stack, check_fits, init_egru_classifier, init_stack, layers_of,
                     model_forward)
from .loss import accuracy, softmax_cross_entropy
from .mlp import (Mlp, dense_params, init_mlp, layer_backward, layer_bytes, layer_flops,
                  layer_forward, mlp_backward, mlp_forward)
from .sgd import TrainResult, new_momentum, sgd_update, train_sgd, update_bytes, update_flops
from .staleness import SharedParameters, staleness_summary
from .schedule import METHODS, WORK_KINDS, ScheduleResult, train

__all__ = [
    "PassCounts", "Dataset", "digits", "minibatches", "sequential_digits", "synthetic",
    "DELAY_KINDS", "DELAY_PER", "WorkerDelays",
    "activity_sparsity", "egru_backward", "egru_bytes", "egru_flops", "egru_forward",
    "egru_params", "from_stack_weights", "init_egru", "surrogate", "to_stack_weights",
    "Dense", "Egru", "Stack", "check_fits", "init_egru_classifier", "init_stack", "layers_of",
    "model_forward",
    "accuracy", "softmax_cross_entropy",
    "Mlp", "dense_params", "init_mlp", "layer_backward", "layer_bytes", "layer_flops",
    "layer_forward", "mlp_backward", "mlp_forward",
    "TrainResult", "new_momentum", "sgd_update", "train_sgd", "update_bytes", "update_flops",
    "SharedParameters", "staleness_summary", "METHODS", "WORK_KINDS", "ScheduleResult", "train",
]
