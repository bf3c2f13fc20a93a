"""Printing helpers shared by the benchmark scripts (they print figures; nothing here asserts)."""

from __future__ import annotations


def table(headers: list[str], rows: list[list]) -> None:
    """Print a plain aligned table: the first column left-aligned, the others right-aligned."""
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))
