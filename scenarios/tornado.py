"""The tornado plot of a sensitivity analysis (``scenarios.sensitivity``): one horizontal bar
per number, from the figure with the number at the lowest factor to the figure at the highest,
the widest swing on top, and a line at the baseline."""
from __future__ import annotations

from .plots import new_figure, save_figure, energy_unit, time_unit

LOW_COLOUR, HIGH_COLOUR = "#4c72b0", "#dd8452"


def axis_unit(metric: str, value: float) -> tuple[str, float]:
    """(unit name, SI units per unit) to show ``metric`` (its unit in its name: ``_s``
    seconds, ``_j`` joules, else as is) around ``value``: ``("ms", 1e-3)`` for 0.0035 s."""
    if metric.endswith("_s"):
        return time_unit(abs(value))
    if metric.endswith("_j"):
        name, pj = energy_unit(abs(value) * 1e12)
        return name, pj * 1e-12
    return "", 1.0


def tornado(path, entries: list[dict], metric: str, baseline: float, factors) -> str:
    """Write the tornado PNG of ``metric`` to ``path``: ``entries`` ({"number", "values":
    {metric: [value at each factor]}}) in the order given (widest first), ``baseline`` the
    figure with every number at its value, ``factors`` sorted. Returns the file name."""
    from matplotlib.patches import Patch
    unit, per = axis_unit(metric, baseline)
    fig = new_figure(9.0, 1.4 + 0.4 * max(len(entries), 1))
    ax = fig.add_subplot()
    for y, e in enumerate(entries):
        v = e["values"][metric]
        for value, colour in ((v[0], LOW_COLOUR), (v[-1], HIGH_COLOUR)):
            ax.barh(y, (value - baseline) / per, left=baseline / per, color=colour, height=0.6)
    lo, hi = f"x{factors[0]:g}", f"x{factors[-1]:g}"
    ax.axvline(baseline / per, color="black", linewidth=0.8)
    ax.set_yticks(range(len(entries)), [e["number"] for e in entries], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric} ({unit})" if unit else metric)
    ax.set_title(f"{metric}: one estimated number at a time at {lo} and {hi}; baseline "
                 f"{baseline / per:.4g} {unit}".rstrip())
    ax.legend(handles=[Patch(color=LOW_COLOUR, label=f"number at {lo}"),
                       Patch(color=HIGH_COLOUR, label=f"number at {hi}")],
              loc="lower right", fontsize=8)
    return save_figure(fig, path)
