"""A key action's trend: baseline → the yearly reported values → the 2030 target, as a
server-side SVG (no JavaScript). As in portal/kpi/chart.py: presentation attributes only (the
CSP blocks inline styles), IPAexGothic first in the font family, <title> and <desc> for
screen readers; labels translated where it is drawn."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.core.i18n import fiscal_year_name
from portal.kpi.chart import FONT_FAMILY, GRID, MUTED, TARGET, TEXT
from portal.reports.queries import Trend, parse_number

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 76
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
REPORTED = "#0017c1"
BASELINE = "#4d4d4d"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def trend_chart(trend: Trend, id_prefix: str) -> Markup | None:
    """The chart of a numeric key action, or None (a text indicator has no chart)."""
    if not trend.numeric:
        return None
    action = trend.action
    unit = action.get("unit") or ""
    points = [(_("Baseline"), parse_number(action.get("current_value")), BASELINE)]
    # A reporting year is a fiscal year: 令和7年度 on a Japanese page, "Fiscal 2025" on an English one.
    points += [(fiscal_year_name(year), number, REPORTED) for year, _text, number, _status in trend.points
               if number is not None]
    points.append((_("2030 target"), parse_number(action.get("target_value")), TARGET))
    values = [value for _label, value, _colour in points]
    low, high = min(0.0, *values), max(values)
    if high == low:
        high = low + 1
    span = high - low

    def x(index: int) -> float:
        return LEFT + (PLOT_W * index / (len(points) - 1) if len(points) > 1 else PLOT_W / 2)

    def y(value: float) -> float:
        return TOP + PLOT_H - (value - low) / span * PLOT_H

    if trend.position is None:
        title = _("Earlier key action: %(indicator)s", indicator=action.get("indicator") or "")
    else:
        title = _("Key action %(number)s: %(indicator)s", number=trend.position + 1,
                  indicator=action.get("indicator") or "")
    # 「基準値：10 人、令和8年度：15 人」 / "Baseline: 10 t; Fiscal 2026: 15 t" (punctuation of the language).
    desc = _("; ").join(_("%(label)s: %(value)s", label=label, value=f"{_number(value)} {unit}".strip())
                        for label, value, _colour in points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" font-family="{FONT_FAMILY}" '
        f'font-size="16" fill="{TEXT}" class="trend-chart-svg">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for fraction in (0, 0.5, 1):
        value = low + span * fraction
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(_number(value))}</text>')
    reported = [(x(i), y(v)) for i, (_label, v, _c) in enumerate(points[:-1])]
    parts.append('<polyline fill="none" stroke="{}" stroke-width="3" points="{}"/>'.format(
        REPORTED, " ".join(f"{px:.1f},{py:.1f}" for px, py in reported)))
    last_x, last_y = reported[-1]
    parts.append(f'<line x1="{last_x:.1f}" y1="{last_y:.1f}" x2="{x(len(points) - 1):.1f}" '
                 f'y2="{y(points[-1][1]):.1f}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/>')
    for i, (label, value, colour) in enumerate(points):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="6" fill="{colour}"/>')
        anchor = "start" if i == 0 else "end" if i == len(points) - 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{y(value) - 12:.1f}" text-anchor="{anchor}" font-weight="bold">'
                     f'{escape(_number(value))}</text>')
        # The years on the first line, the baseline and the target below them: with several years
        # reported, "2030 target" would otherwise run into the last year.
        line = 44 if i in (0, len(points) - 1) else 24
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + line}" text-anchor="{anchor}" fill="{MUTED}">'
                     f'{escape(label)}</text>')
    if unit:
        unit_label = escape(_("Unit: %(unit)s", unit=unit))
        parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" fill="{MUTED}">{unit_label}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
