"""What a network run tells its user while it is prepared and while it runs: the name of the
kernels it compiles (``Kernel.compile`` announces it on stderr with its time) and a progress
bar over its steps or its network time."""
from __future__ import annotations

from .network_layout import model_names


def kernels_named(runtime: str, models, on_machine: bool) -> str:
    """What a run's compiled loop is, for its compile announcement (``Kernel.compile``):
    e.g. "the network kernels for models cuba, lif on a machine" (``models``: the set)."""
    return (f"the {runtime} kernels for models {model_names(models)}"
            + (" on a machine" if on_machine else ""))


def progress_bar(total: float, unit: str):
    """A progress bar on stderr over ``total`` steps (``unit`` "step") or seconds of network
    time (``unit`` "s")."""
    from tqdm import tqdm
    if unit == "s":
        return tqdm(total=total, unit="s", desc="simulate",
                    bar_format="{l_bar}{bar}| {n:.3f}/{total:.3f} s network time")
    return tqdm(total=total, unit=unit, desc="simulate")
