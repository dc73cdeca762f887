"""Fixed-width text tables: the summaries ``eventsim run`` prints (a scenario's ``table``)."""
from __future__ import annotations


def text_table(columns, rows, name_width: int = 0) -> list[str]:
    """The lines of a table: a header of the column titles, then one line per (name, record) of
    ``rows``. ``columns``: (title, width, cell) with ``cell(record)`` the text of the record's
    value; titles and cells are right-aligned in ``width`` characters (longer text is not cut),
    names left-aligned in ``name_width`` (0: no name column, names "")."""
    head = f"{'':<{name_width}}" + "".join(f"{title:>{width}}" for title, width, _ in columns)
    return [head, *(f"{name:<{name_width}}"
                    + "".join(f"{cell(record):>{width}}" for _, width, cell in columns)
                    for name, record in rows)]
