"""A pain chart drawn as SVG on the server: no script, no outside library."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from rules import Protocol

WIDTH, HEIGHT, MARGIN = 320, 160, 28
# The patient's chart: its labels are page text beside the plot, so they keep the page's size
# (18 px, more with larger text) however narrow the phone; the plot itself has no text.
PLOT_MARGIN = 8


def _scored(points: list[tuple[int, int | None]]) -> list[tuple[int, int]]:
    """The days that have a score, in day order."""
    return sorted((day, pain) for day, pain in points if pain is not None)


def said(day: int, pain: int, top: int) -> str:
    """One point, as a screen reader and a tooltip say it."""
    return _("Day %(day)d: pain %(pain)d of %(top)d", day=day, pain=pain, top=top)


def _plot(scored: list[tuple[int, int]], top: int, margin: int, title: str) -> tuple[str, str]:
    """The svg's opening tag and its axes, line and dots (the caller closes it)."""
    first, last = scored[0][0], max(scored[-1][0], scored[0][0] + 1)
    span_x, span_y = WIDTH - 2 * margin, HEIGHT - 2 * margin

    def x(day: int) -> float:
        return margin + span_x * (day - first) / (last - first)

    def y(pain: int) -> float:
        return margin + span_y * (top - pain) / top

    line = " ".join(f"{x(d):.1f},{y(p):.1f}" for d, p in scored)
    dots = "".join(f'<circle cx="{x(d):.1f}" cy="{y(p):.1f}" r="4"><title>'
                   f'{escape(said(d, p, top))}</title></circle>' for d, p in scored)
    summary = "; ".join(said(d, p, top) for d, p in scored)
    opening = (f'<svg class="pain-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
               f'aria-label="{escape(title)}: {escape(summary)}" '
               f'xmlns="http://www.w3.org/2000/svg">')
    body = (f'<line x1="{margin}" y1="{HEIGHT - margin}" x2="{WIDTH - margin}" '
            f'y2="{HEIGHT - margin}" stroke="currentColor"/>'
            f'<line x1="{margin}" y1="{margin}" x2="{margin}" y2="{HEIGHT - margin}" '
            f'stroke="currentColor"/>'
            f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="2"/>'
            f'{dots}')
    return opening, body


def _drawn(points: list[tuple[int, int | None]], top: int, title: str,
           margin: int) -> tuple[int, int, str, str] | None:
    """The first and last day, the svg's opening tag and its plot; None with nothing to draw."""
    scored = _scored(points)
    if not scored or top <= 0:
        return None
    first, last = scored[0][0], max(scored[-1][0], scored[0][0] + 1)
    opening, body = _plot(scored, top, margin, title)
    return first, last, opening, body


def pain_chart(points: list[tuple[int, int | None]], top: int, title: str = "", *,
               figure: bool = False) -> Markup:
    """A line of pain scores (0 to top, the scale's own) by day after the procedure.

    `top` is the charted question's maximum in the protocol; days without a score are skipped.
    The console's chart draws its labels inside the SVG. The patient's (`figure`) is a titled
    figure whose scale and days are the page's own text beside the plot (site.css sizes them,
    never smaller than the page's type), hidden from screen readers, which read the plot's
    label: every day's score.
    """
    title = title or _("Pain over the days")
    drawn = _drawn(points, top, title, PLOT_MARGIN if figure else MARGIN)
    if drawn is None:
        return Markup("")
    first, last, opening, body = drawn
    if figure:
        return Markup(
            f'<figure class="chart-figure"><figcaption>{escape(title)}</figcaption>'
            f'<div class="chart-area"><p class="chart-scale" aria-hidden="true">'
            f'<span>{top}</span><span>0</span></p>{opening}{body}</svg></div>'
            f'<p class="chart-days" aria-hidden="true"><span>{escape(day_label(first))}</span>'
            f'<span>{escape(day_label(last))}</span></p></figure>')
    return Markup(
        f'{opening}{body}'
        f'<text x="4" y="{MARGIN + 4}" font-size="11">{top}</text>'
        f'<text x="10" y="{HEIGHT - MARGIN + 4}" font-size="11">0</text>'
        f'<text x="{MARGIN}" y="{HEIGHT - 6}" font-size="11">{escape(day_label(first))}</text>'
        f'<text x="{WIDTH - MARGIN - 40}" y="{HEIGHT - 6}" font-size="11">'
        f'{escape(day_label(last))}</text></svg>')


def day_label(day: int) -> str:
    """A day after the procedure, as the chart's axis names it."""
    return _("Day %(day)d", day=day)


def charted_top(protocol: Protocol) -> int:
    """The top of the charted question's scale (its maximum), or 0 when nothing is charted."""
    charted = protocol.charted
    return int(charted.maximum) if charted is not None and charted.maximum is not None else 0
