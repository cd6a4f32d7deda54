"""A pain chart drawn as SVG on the server: no script, no outside library."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from rules import Protocol

WIDTH, HEIGHT, MARGIN = 320, 160, 28


def pain_chart(points: list[tuple[int, int | None]], top: int, title: str = "") -> Markup:
    """A line of pain scores (0 to top, the scale's own) by day after the procedure.

    `top` is the charted question's maximum in the protocol; days without a score are skipped.
    """
    title = title or _("Pain over the days")
    scored = sorted((day, pain) for day, pain in points if pain is not None)
    if not scored or top <= 0:
        return Markup("")
    first, last = scored[0][0], max(scored[-1][0], scored[0][0] + 1)
    span_x, span_y = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def x(day: int) -> float:
        return MARGIN + span_x * (day - first) / (last - first)

    def y(pain: int) -> float:
        return MARGIN + span_y * (top - pain) / top

    line = " ".join(f"{x(d):.1f},{y(p):.1f}" for d, p in scored)
    def said(day: int, pain: int) -> str:
        return _("Day %(day)d: pain %(pain)d of %(top)d", day=day, pain=pain, top=top)

    dots = "".join(f'<circle cx="{x(d):.1f}" cy="{y(p):.1f}" r="4"><title>{escape(said(d, p))}'
                   f'</title></circle>' for d, p in scored)
    summary = "; ".join(said(d, p) for d, p in scored)
    return Markup(
        f'<svg class="pain-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="currentColor"/>'
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" '
        f'stroke="currentColor"/>'
        f'<text x="4" y="{MARGIN + 4}" font-size="11">{top}</text>'
        f'<text x="10" y="{HEIGHT - MARGIN + 4}" font-size="11">0</text>'
        f'<text x="{MARGIN}" y="{HEIGHT - 6}" font-size="11">{escape(day_label(first))}</text>'
        f'<text x="{WIDTH - MARGIN - 40}" y="{HEIGHT - 6}" font-size="11">'
        f'{escape(day_label(last))}</text>'
        f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="2"/>'
        f'{dots}</svg>')


def day_label(day: int) -> str:
    """A day after the procedure, as the chart's axis names it."""
    return _("Day %(day)d", day=day)


def charted_top(protocol: Protocol) -> int:
    """The top of the charted question's scale (its maximum), or 0 when nothing is charted."""
    charted = protocol.charted
    return int(charted.maximum) if charted is not None and charted.maximum is not None else 0
