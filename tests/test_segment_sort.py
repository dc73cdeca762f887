"""In-place sorts of array segments in compiled code (``eventsim.segment_sort``), against
NumPy's sorts as the oracle."""
import numpy as np
from hypothesis import given, settings, strategies as st

from eventsim.segment_sort import order_segment, sort_segment


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-10**12, 10**12), max_size=300), st.data())
def test_a_sorted_segment_is_numpys_sort_and_the_rest_is_untouched(values, data):
    a = np.array(values, np.int64)
    lo = data.draw(st.integers(0, a.shape[0]))
    hi = data.draw(st.integers(lo, a.shape[0]))
    expected = a.copy()
    expected[lo:hi] = np.sort(a[lo:hi])
    sort_segment(a, lo, hi)
    assert a.tolist() == expected.tolist()


@settings(max_examples=60, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 5), st.integers(-1, 5), st.integers(-1, 50)),
               max_size=120), st.integers(0, 3))
def test_an_ordered_segment_is_the_lexicographic_order_of_its_entries(entries, lo):
    rows = [(9, 9, 9)] * lo + sorted(entries, key=hash)          # some order, after lo pads
    k1, k2, k3 = (np.array([r[i] for r in rows], np.int64) for i in range(3))
    by = np.empty(len(entries), np.int64)
    order_segment(k1, k2, k3, lo, len(rows), by)
    assert [rows[i] for i in by.tolist()] == sorted(entries)
