"""A pain chart drawn as SVG on the server: no script, no outside library."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH, HEIGHT, MARGIN = 320, 160, 28
MAX_PAIN = 10


def pain_chart(points: list[tuple[int, int | None]], title: str = "") -> Markup:
    """A line of pain scores (0 to 10) by day after the procedure; days without a score skipped."""
    title = title or _("Pain over the days")
    scored = sorted((day, pain) for day, pain in points if pain is not None)
    if not scored:
        return Markup("")
    first, last = scored[0][0], max(scored[-1][0], scored[0][0] + 1)
    span_x, span_y = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def x(day: int) -> float:
        return MARGIN + span_x * (day - first) / (last - first)

    def y(pain: int) -> float:
        return MARGIN + span_y * (MAX_PAIN - pain) / MAX_PAIN

    line = " ".join(f"{x(d):.1f},{y(p):.1f}" for d, p in scored)
    def said(day: int, pain: int) -> str:
        return _("Day %(day)d: pain %(pain)d of 10", day=day, pain=pain)

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
        f'<text x="4" y="{MARGIN + 4}" font-size="11">10</text>'
        f'<text x="10" y="{HEIGHT - MARGIN + 4}" font-size="11">0</text>'
        f'<text x="{MARGIN}" y="{HEIGHT - 6}" font-size="11">{escape(day_label(first))}</text>'
        f'<text x="{WIDTH - MARGIN - 40}" y="{HEIGHT - 6}" font-size="11">'
        f'{escape(day_label(last))}</text>'
        f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="2"/>'
        f'{dots}</svg>')


def day_label(day: int) -> str:
    """A day after the procedure, as the chart's axis names it."""
    return _("Day %(day)d", day=day)
