"""Classification data sets for the training core, and deterministic minibatch shuffling.

Inputs are float32 ``[n, n_features]`` (or ``[n, steps, n_features]`` for sequence data, batch
first), labels int64 ``[n]`` in ``0..n_classes - 1``. Every split and every shuffle follows from an
explicit seed or numpy Generator.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventsim.errors import ConfigError

from .counts import positive_int


@dataclass(frozen=True)
class Dataset:
    """A train/test split: ``x_*`` float32 ``[n, n_features]`` or, for sequences,
    ``[n, steps, n_features]``; ``y_*`` int64 ``[n]`` (one label per sequence)."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def n_features(self) -> int:
        """Width of one input vector (of one step, for sequences)."""
        return self.x_train.shape[-1]

    @property
    def steps(self) -> int | None:
        """Sequence length, or None for data that is not a sequence."""
        return self.x_train.shape[1] if self.x_train.ndim == 3 else None


def _check_test_fraction(test_fraction) -> float:
    value = float(test_fraction)
    if not 0.0 < value < 1.0:
        raise ConfigError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    return value


def digits(seed: int = 0, test_fraction: float = 0.25) -> Dataset:
    """scikit-learn's 8x8 handwritten digits (1797 images, 10 classes), pixels scaled from
    0..16 to 0..1, split into train and test stratified by class; the split follows ``seed``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_fraction = _check_test_fraction(test_fraction)
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)                 # [1797, 64]
    y = bunch.target.astype(np.int64)                           # [1797]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y)
    return Dataset(x_train, y_train, x_test, y_test, 10)


def sequential_digits(seed: int = 0, test_fraction: float = 0.25) -> Dataset:
    """``digits(seed, test_fraction)`` read row by row: each 8x8 image is a sequence of 8 steps
    (rows, top first) of 8 features (the row's pixels, left to right), ``x_*`` float32
    ``[n, 8, 8]``; same split and labels as ``digits`` with the same arguments."""
    flat = digits(seed, test_fraction)
    return Dataset(flat.x_train.reshape(-1, 8, 8), flat.y_train,
                   flat.x_test.reshape(-1, 8, 8), flat.y_test, flat.n_classes)


def synthetic(n_samples: int, n_features: int, n_classes: int, seed: int = 0,
              test_fraction: float = 0.25, teacher_hidden: int = 64) -> Dataset:
    """A classification task of any size for scaling runs: Gaussian inputs x ~ N(0, 1)
    ``[n_samples, n_features]`` labelled by a random teacher MLP (``n_features`` ->
    ``teacher_hidden`` tanh units -> ``n_classes`` logits; label = argmax of the logits after
    standardising each logit over the samples, which keeps the classes roughly balanced).
    The split is a seeded permutation (not stratified). Learnable exactly by a student MLP wide
    enough; everything follows from ``seed``."""
    n_samples = positive_int("n_samples", n_samples)
    n_features = positive_int("n_features", n_features)
    n_classes = positive_int("n_classes", n_classes)
    teacher_hidden = positive_int("teacher_hidden", teacher_hidden)
    test_fraction = _check_test_fraction(test_fraction)
    if n_classes < 2:
        raise ConfigError(f"n_classes must be >= 2, got {n_classes}")
    n_test = int(round(n_samples * test_fraction))
    if n_test < 1 or n_samples - n_test < 1:
        raise ConfigError(f"n_samples={n_samples} with test_fraction={test_fraction} leaves an "
                          f"empty train or test set")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, n_features))
    w1 = rng.standard_normal((n_features, teacher_hidden)) * np.sqrt(1.0 / n_features)
    w2 = rng.standard_normal((teacher_hidden, n_classes)) * np.sqrt(1.0 / teacher_hidden)
    logits = np.tanh(x @ w1) @ w2
    logits = (logits - logits.mean(axis=0)) / (logits.std(axis=0) + 1e-12)
    y = np.argmax(logits, axis=1).astype(np.int64)
    order = rng.permutation(n_samples)
    test, train = order[:n_test], order[n_test:]
    x = x.astype(np.float32)
    return Dataset(x[train], y[train], x[test], y[test], n_classes)


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch of minibatches: a permutation of ``0..n-1`` drawn from ``rng`` (one
    ``rng.permutation(n)`` call), cut into int64 index arrays of ``batch_size``; the last batch
    holds the remainder (smaller) when ``batch_size`` does not divide ``n``."""
    n = positive_int("n", n)
    batch_size = positive_int("batch_size", batch_size)
    order = rng.permutation(n).astype(np.int64)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]
