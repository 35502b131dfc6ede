"""Geometry of the report's SVG charts, drawn by templates (no script, no style
attribute: the strict CSP holds). The inputs are a handful of aggregated rows."""

from __future__ import annotations

BAR = 22  # px per bar in a horizontal chart, label included
WIDTH = 300  # px of the longest horizontal bar
HEIGHT = 140  # px of the tallest vertical bar
COLUMN = 48  # px per column of a vertical chart


def horizontal(rows: list[dict], value: str, label: str) -> dict:
    top = max((row[value] for row in rows), default=0) or 1
    bars = [
        {
            "label": row[label],
            "value": row[value],
            "y": i * BAR,
            "text_y": i * BAR + 15,
            "width": round(row[value] / top * WIDTH),
            "row": row,
        }
        for i, row in enumerate(rows)
    ]
    return {"bars": bars, "height": max(len(bars), 1) * BAR, "width": WIDTH}


def vertical(rows: list[dict], value: str, label: str, *, mark: int | None = None) -> dict:
    """Columns; `mark` (a label) is drawn in the hatched class, e.g. the method's target."""
    top = max((row[value] for row in rows), default=0) or 1
    bars = []
    for i, row in enumerate(rows):
        height = round(row[value] / top * HEIGHT)
        bars.append(
            {
                "label": row[label],
                "value": row[value],
                "x": i * COLUMN,
                "mid": i * COLUMN + COLUMN // 2,
                "y": HEIGHT - height + 16,
                "height": height,
                "marked": mark is not None and row[label] == mark,
                "row": row,
            }
        )
    return {"bars": bars, "width": max(len(bars), 1) * COLUMN, "height": HEIGHT + 40}
