"""Write one benchmark's section of benchmarks/RESULTS.md, leaving the other sections alone."""
from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = ("# Benchmark results\n\nEach section is written by its benchmark script; figures are "
          "medians of several runs on the machine named in the section, with ratios against the "
          "peer measured in the same run.\n")


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section delimited by ``<!-- name:begin/end -->`` markers."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else HEADER
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
