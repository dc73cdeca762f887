"""The reset after a spike shared by the integrate-and-fire models (NIR's two reset modes)."""
from eventsim.jit import kernel_jit


@kernel_jit(inline="always")
def after_spike(v, threshold, reset, subtract):
    """The potential after a spike at ``v``: ``v - threshold`` when resetting by subtraction
    (``subtract`` != 0, NIR's reset-by-subtraction), else ``reset`` (reset to a value)."""
    return v - threshold if subtract != 0 else reset
