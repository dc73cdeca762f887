"""The numpy training core: datasets, dense and EGRU layers as pure functions over explicit
per-layer parameter arrays, softmax cross-entropy, and SGD with momentum applied one layer at a
time. A scheduler can run layer l's forward with one parameter version, its backward later, and
update the shared parameters of one layer at a time; ``sgd.train_sgd`` is the sequential oracle.

Conventions (every module): parameters and arithmetic are float64; a multiply-add counts as
2 FLOPs; sizes in bytes; one ``seed`` in, identical numbers out.
"""
from .counts import PassCounts
from .datasets import Dataset, digits, minibatches, synthetic
from .egru_layer import (activity_sparsity, egru_backward, egru_bytes, egru_flops, egru_forward,
                         from_stack_weights, init_egru, surrogate, to_stack_weights)
from .loss import accuracy, softmax_cross_entropy
from .mlp import (Mlp, init_mlp, layer_backward, layer_bytes, layer_flops, layer_forward,
                  mlp_backward, mlp_forward)
from .sgd import TrainResult, new_momentum, sgd_update, train_sgd, update_bytes, update_flops
from .staleness import SharedParameters, staleness_summary
from .schedule import METHODS, WORK_KINDS, ScheduleResult, train

__all__ = [
    "PassCounts", "Dataset", "digits", "minibatches", "synthetic",
    "activity_sparsity", "egru_backward", "egru_bytes", "egru_flops", "egru_forward",
    "from_stack_weights", "init_egru", "surrogate", "to_stack_weights",
    "accuracy", "softmax_cross_entropy",
    "Mlp", "init_mlp", "layer_backward", "layer_bytes", "layer_flops", "layer_forward",
    "mlp_backward", "mlp_forward",
    "TrainResult", "new_momentum", "sgd_update", "train_sgd", "update_bytes", "update_flops",
    "SharedParameters", "staleness_summary", "METHODS", "WORK_KINDS", "ScheduleResult", "train",
]
