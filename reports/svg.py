"""Geometry of the report's charts, drawn as SVG by the template (no chart library, no CDN,
nothing inline for the Content-Security-Policy to refuse)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reports.selectors import TrendPoint


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | int | None
    x: int
    y: int
    width: int
    height: int
    text: str


def trend_chart(points: list[TrendPoint], *, height: int = 160, bar: int = 48) -> dict[str, Any]:
    """Vertical bars: the on-time share (%) per month."""
    bars = []
    for index, point in enumerate(points):
        share = point.on_time_share
        bar_height = round(height * (share or 0) / 100)
        bars.append(
            Bar(
                label=point.month,
                value=share,
                x=index * (bar + 16) + 8,
                y=height - bar_height + 20,
                width=bar,
                height=bar_height,
                text="—" if share is None else f"{share}%",
            )
        )
    return {"bars": bars, "width": max(len(bars), 1) * (bar + 16) + 16, "height": height + 44}


def severity_chart(
    counts: list[tuple[str, Any, int]], *, width: int = 320, row: int = 28
) -> dict[str, Any]:
    """Horizontal bars: breaches of the terms' first response per severity."""
    top = max((count for _value, _label, count in counts), default=0) or 1
    bars = [
        Bar(
            label=str(label),
            value=count,
            x=120,
            y=index * row,
            width=round(width * count / top),
            height=18,
            text=str(count),
        )
        for index, (_value, label, count) in enumerate(counts)
    ]
    return {
        "bars": bars,
        "width": width + 180,
        "height": max(len(bars), 1) * row,
        "bar_width": width,
    }
