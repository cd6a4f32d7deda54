"""A pain chart drawn as SVG on the server: no script, no outside library."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, MARGIN = 320, 160, 28
MAX_PAIN = 10


def pain_chart(points: list[tuple[int, int | None]], title: str = "Pain over the days") -> Markup:
    """A line of pain scores (0 to 10) by day after the procedure; days without a score skipped."""
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
    dots = "".join(f'<circle cx="{x(d):.1f}" cy="{y(p):.1f}" r="4"><title>Day {d}: pain {p} '
                   f'of 10</title></circle>' for d, p in scored)
    summary = "; ".join(f"day {d}: {p}" for d, p in scored)
    return Markup(
        f'<svg class="pain-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="currentColor"/>'
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" '
        f'stroke="currentColor"/>'
        f'<text x="4" y="{MARGIN + 4}" font-size="11">10</text>'
        f'<text x="10" y="{HEIGHT - MARGIN + 4}" font-size="11">0</text>'
        f'<text x="{MARGIN}" y="{HEIGHT - 6}" font-size="11">Day {first}</text>'
        f'<text x="{WIDTH - MARGIN - 40}" y="{HEIGHT - 6}" font-size="11">Day {last}</text>'
        f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="2"/>'
        f'{dots}</svg>')
