"""The history page's balance sparkline: geometry computed on the server, drawn as SVG."""

from __future__ import annotations

from decimal import Decimal

from django.template import Context, Template

from accounts.sparkline import HEIGHT, PAD, WIDTH, sparkline


def coordinates(points: str) -> list[tuple[float, float]]:
    pairs = [point.split(",") for point in points.split()]
    return [(float(x), float(y)) for x, y in pairs]


def test_the_line_spans_the_box_with_the_highest_balance_at_the_top():
    line = sparkline(["10.00", "30.00", "20.00"])
    assert line is not None

    (x0, y0), (_, y1), (x2, y2) = coordinates(line.points)
    assert (x0, x2) == (PAD, WIDTH - PAD)
    assert y1 == PAD  # the highest balance is drawn highest (SVG y grows downwards)
    assert y0 == HEIGHT - PAD  # the lowest at the bottom
    assert y0 > y2 > y1
    assert (line.first, line.last, line.low, line.high) == tuple(
        map(Decimal, ["10.00", "20.00", "10.00", "30.00"])
    )


def test_a_flat_or_single_balance_draws_a_flat_line_and_nothing_draws_nothing():
    flat, single = sparkline(["5.00", "5.00"]), sparkline(["5.00"])
    assert flat is not None and single is not None
    assert {y for _, y in coordinates(flat.points)} == {HEIGHT / 2}
    assert len(coordinates(single.points)) == 2
    assert sparkline([]) is None


def test_the_tag_draws_the_page_oldest_first_as_a_labelled_svg_without_style():
    newest_first = [{"balance_after": "30.00"}, {"balance_after": "10.00"}]

    html = Template("{% load charts %}{% balance_sparkline rows %}").render(
        Context({"rows": newest_first})
    )

    assert "<svg" in html and "<polyline" in html and 'role="img"' in html
    assert "from $10.00 to $30.00" in html
    assert "style=" not in html and "<script" not in html
