"""A named tuple passed to compiled code by reference (eventsim.state_ref)."""
import gc
from collections import namedtuple

import numpy as np
import pytest

from eventsim.jit import kernel_jit
from eventsim.state_ref import by_reference

Inner = namedtuple("Inner", "counts scale")
Outer = namedtuple("Outer", "values inner flag")


@kernel_jit
def add_to_counts(state, i, n):
    state.inner.counts[i] += n


@kernel_jit
def scaled_sum(state):
    total = 0.0
    for x in state.values:
        total += x
    return total * state.inner.scale if state.flag else -1.0


@kernel_jit
def twice(state, i):
    add_to_counts(state, i, 1)
    add_to_counts(state, i, 1)


def outer():
    return Outer(np.array([1.0, 2.0, 3.5]), Inner(np.zeros(4, np.int64), 2.0), np.bool_(True))


def test_compiled_code_reads_the_fields_of_the_tuple():
    assert scaled_sum(by_reference(outer())) == (1.0 + 2.0 + 3.5) * 2.0


def test_compiled_code_writes_into_the_tuples_own_arrays():
    state = outer()
    ref = by_reference(state)
    add_to_counts(ref, 2, 5)
    twice(ref, 0)
    assert state.inner.counts.tolist() == [2, 0, 5, 0]


def test_a_nested_named_tuple_is_a_reference_too():
    ref_type = by_reference(outer())._numba_type_
    assert type(ref_type.field_dict["inner"]).__name__ == "StateRefType"


def test_the_reference_keeps_its_arrays_alive():
    ref = by_reference(Outer(np.full(3, 4.0), Inner(np.zeros(1, np.int64), 0.5),
                             np.bool_(True)))
    gc.collect()
    assert scaled_sum(ref) == 6.0


def test_a_reference_is_made_of_named_tuples_only():
    with pytest.raises(TypeError, match="named tuple"):
        by_reference((np.zeros(2), np.zeros(3)))


def test_a_kernels_handlers_write_into_the_named_tuple_state_it_was_given():
    from eventsim.kernel import Kernel
    k = Kernel()
    state = outer()
    k.add_kind("add", count_event, state)
    k.schedule(0, 0, target=1)
    k.schedule(5, 0, target=1)
    k.run()
    assert state.inner.counts.tolist() == [0, 2, 0, 0]


@kernel_jit
def count_event(t_ps, target, payload, state, ctx):
    state.inner.counts[target] += 1
