"""Softmax cross-entropy and classification accuracy on logits ``[batch, n_classes]``."""
from __future__ import annotations

import numpy as np

from eventsim.errors import ConfigError


def _check(logits: np.ndarray, labels: np.ndarray):
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    if logits.ndim != 2 or labels.shape != (logits.shape[0],):
        raise ConfigError(f"logits must be [batch, n_classes] and labels [batch], got shapes "
                          f"{logits.shape} and {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ConfigError(f"labels must be in 0..{logits.shape[1] - 1}, got "
                          f"{labels.min()}..{labels.max()}")
    return logits, labels


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray):
    """Mean over the batch of -log softmax(logits)[label], and its gradient with respect to
    the logits, (softmax - onehot) / batch ``[batch, n_classes]``. Stable for any finite
    logits: the row maximum is subtracted before exponentiating."""
    logits, labels = _check(logits, labels)
    batch = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probs = shifted - log_norm
    rows = np.arange(batch)
    loss = -log_probs[rows, labels].mean()
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1.0
    grad /= batch
    return float(loss), grad


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose argmax (first maximum on ties) equals the label."""
    logits, labels = _check(logits, labels)
    return float(np.mean(np.argmax(logits, axis=1) == labels))
