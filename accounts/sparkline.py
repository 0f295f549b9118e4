"""A balance sparkline's geometry, computed on the server so the page needs no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT, PAD = 240, 48, 3


@dataclass(frozen=True)
class Sparkline:
    points: str  # an SVG polyline's `points`
    first: Decimal
    last: Decimal
    low: Decimal
    high: Decimal
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def end_x(self) -> str:
        return self.points.rsplit(" ", 1)[-1].split(",")[0]

    @property
    def end_y(self) -> str:
        return self.points.rsplit(" ", 1)[-1].split(",")[1]


def sparkline(balances: Sequence[str | Decimal]) -> Sparkline | None:
    """Oldest-first balances -> a line across the box; None when there is nothing to draw.

    A flat history draws a flat line in the middle rather than dividing by zero.
    """
    values = [Decimal(str(value)) for value in balances]
    if not values:
        return None
    if len(values) == 1:
        values = values * 2
    low, high = min(values), max(values)
    span = high - low
    step = Decimal(WIDTH - 2 * PAD) / (len(values) - 1)
    points = []
    for index, value in enumerate(values):
        x = PAD + step * index
        share = (value - low) / span if span else Decimal("0.5")
        y = HEIGHT - PAD - share * (HEIGHT - 2 * PAD)  # SVG's y grows downwards
        points.append(f"{x:.1f},{y:.1f}")
    return Sparkline(" ".join(points), values[0], values[-1], low, high)
