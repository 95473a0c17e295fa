"""The KPI chart: registered entities in the city active at the end of each fiscal year (the year
under way: on the report's date), against the target of each year that has one — as the city
reports it, by fiscal year in the page's calendar (令和5年度) — a server-side SVG, no
JavaScript, no chart library.

The same SVG is inlined in the report page and in the PDF. Hence:
- presentation attributes only (fill=, font-family=), never `style=`: the page's CSP
  (style-src 'self') blocks inline styles, and WeasyPrint reads attributes as well;
- the font family names IPAexGothic first, the face the PDF embeds (WeasyPrint would otherwise
  draw the Japanese labels as empty boxes); browsers without it fall back to their own;
- <title> and <desc> carry the figures as text, for screen readers (the tables below the chart
  on the page carry them too);
- the legend is HTML beside the drawing (templates/kpi/_legend.html), where a contrast checker
  can read its colours;
- labels are translated (gettext) in the locale in force where it is drawn;
- text over a bar or a line is drawn with a white halo (paint-order="stroke"), so it keeps its
  contrast against white whatever it crosses.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.core.i18n import display_date, fiscal_year_name

FONT_FAMILY = "IPAexGothic, 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic UI', Meiryo, sans-serif"

WIDTH, HEIGHT = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 84, 24, 36, 78
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

# Colours from the portal's palette (static/css/portal.css); each ≥ 4.5:1 against white.
CUMULATIVE = "#0017c1"
ACTIVE = "#197a4b"
TARGET = "#ce0000"
GRID = "#d9d9d9"
TEXT = "#1a1a1a"
MUTED = "#4d4d4d"


@dataclass(frozen=True)
class Bar:
    label: str
    sublabel: str
    value: int
    colour: str


def kpi_chart(report: Mapping[str, Any], id_prefix: str = "kpi-chart") -> Markup:
    """The chart of a report from `portal.kpi.report.kpi_report`, as an inline <svg> element."""
    years = report["fiscal_years"]
    bars = [Bar(fiscal_year_name(y["fiscal_year"]), _counted_on(y, report["as_of"]), y["active_in_city"],
                ACTIVE if _under_way(y, report["as_of"]) else CUMULATIVE) for y in years]
    if not bars:  # nothing decided yet: the year under way, at zero
        bars = [Bar(_("Report date"), _day(report["as_of"]), report["active_in_city"], ACTIVE)]
    targets = {y["fiscal_year"]: y["target"] for y in years if y["target"] is not None}
    headline = report.get("headline") or {"fiscal_year": report["target_fiscal_year"], "target": report["target"]}
    top, step = _scale(max([*targets.values(), headline["target"], *(bar.value for bar in bars)]))
    title = _("Registered entities in Kumamoto City against the target")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" font-family="{FONT_FAMILY}" '
        f'font-size="14" fill="{TEXT}" class="kpi-chart-svg">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(_description(report))}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        *_y_axis(top, step),
        *_bars(bars, top),
        *_targets(years, targets, headline, top, len(bars)),
        *_axis_titles(),
        "</svg>",
    ]
    return Markup("\n".join(parts))


def _under_way(year: Mapping[str, Any], as_of: str) -> bool:
    return year["year_end"] > as_of  # ISO dates compare as text


def _counted_on(year: Mapping[str, Any], as_of: str) -> str:
    """Under the year's name: its last day, or the report date for the year under way."""
    if _under_way(year, as_of):
        return _("%(date)s (to date)", date=_day(as_of))
    return _day(year["year_end"])


def _day(iso: str) -> str:
    """A report's ISO date (the report is data) as the page's language reads it: 令和6年3月31日,
    Mar 31, 2024."""
    return display_date(date.fromisoformat(iso), short=True)


def _text_width(text: str, size: float) -> float:
    """Roughly how wide `text` is drawn: full-width characters a font size, others about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in text)


def _description(report: Mapping[str, Any]) -> str:
    years = ", ".join(f"{fiscal_year_name(y['fiscal_year'])}: {y['active_in_city']:,}"
                      + (f" / {y['target']:,}" if y["target"] is not None else "")
                      for y in report["fiscal_years"]) or _("no cohort decided yet")
    return _("Registered entities active in Kumamoto City at the end of each fiscal year (the year under way: "
             "on %(date)s), against the year's target where one is set: %(years)s.",
             date=_day(report["as_of"]), years=years)


def _scale(highest: int) -> tuple[int, int]:
    """The axis' top — a round number above `highest`, with headroom for the top bar's label —
    and its gridline step."""
    step = _step(highest * 1.1)
    return max(step * math.ceil(highest * 1.1 / step), step), step


def _step(span: float) -> int:
    """A 1-2-5 step giving about five gridlines over `span`."""
    if span <= 5:
        return 1
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)


def _y(value: float, top: int) -> float:
    return round(TOP + PLOT_H - value / top * PLOT_H, 1)


def _y_axis(top: int, step: int) -> list[str]:
    parts = []
    for value in range(0, top + 1, step):
        y = _y(value, top)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + PLOT_W}" y2="{y}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 5}" text-anchor="end" fill="{MUTED}">{value:,}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}" stroke="{TEXT}" stroke-width="1"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}" '
                 f'stroke="{TEXT}" stroke-width="1.5"/>')
    return parts


def _bars(bars: list[Bar], top: int) -> list[str]:
    slot = PLOT_W / len(bars)
    width = min(slot * 0.6, 72)
    # Many cohorts: smaller labels, and the date under each label only while it fits.
    size = 14 if slot >= 70 else 12 if slot >= 50 else 10
    parts = []
    for index, bar in enumerate(bars):
        centre = LEFT + slot * (index + 0.5)
        y = _y(bar.value, top)
        parts.append(f'<rect x="{round(centre - width / 2, 1)}" y="{y}" width="{round(width, 1)}" '
                     f'height="{round(TOP + PLOT_H - y, 1)}" fill="{bar.colour}"/>')
        parts += _haloed(f'x="{round(centre, 1)}" y="{y - 6}" text-anchor="middle" font-size="{size}" '
                         f'font-weight="bold"', f"{bar.value:,}")
        base = TOP + PLOT_H
        parts.append(f'<text x="{round(centre, 1)}" y="{base + 20}" text-anchor="middle" font-size="{size}">'
                     f'{escape(bar.label)}</text>')
        if _text_width(bar.sublabel, 12) <= slot - 8:
            parts.append(f'<text x="{round(centre, 1)}" y="{base + 38}" text-anchor="middle" font-size="12" '
                         f'fill="{MUTED}">{escape(bar.sublabel)}</text>')
    return parts


def _haloed(attributes: str, text: str, colour: str = TEXT) -> list[str]:
    """`text` twice: a white outline under it, then the text itself — drawn as two elements
    rather than with paint-order, which WeasyPrint does not apply (it would paint the outline
    over the letters)."""
    return [f'<text {attributes} fill="#ffffff" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" '
            f'aria-hidden="true">{text}</text>',
            f'<text {attributes} fill="{colour}">{text}</text>']


def _targets(years: list[Mapping[str, Any]], targets: Mapping[int, int], headline: Mapping[str, Any], top: int,
             slots: int) -> list[str]:
    """A dashed mark over each year that has a target, at the target's height, labelled; the
    headline's target across the whole plot when its year has no bar (a year to come)."""
    parts = []
    if headline["fiscal_year"] not in targets or not years:
        y = _y(headline["target"], top)
        label = _("Target %(target)s (%(year)s)", target=f"{headline['target']:,}",
                  year=fiscal_year_name(headline["fiscal_year"]))
        parts += [f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + PLOT_W}" y2="{y}" stroke="{TARGET}" stroke-width="2.5" '
                  f'stroke-dasharray="8 5"/>',
                  *_haloed(f'x="{LEFT + 6}" y="{y - 7}" font-weight="bold"', escape(label), TARGET)]
    slot = PLOT_W / slots
    for index, year in enumerate(years):
        value = targets.get(year["fiscal_year"])
        if value is None:
            continue
        y, left = _y(value, top), LEFT + slot * index + 4
        label = _("Target %(target)s", target=f"{value:,}")
        parts += [f'<line x1="{round(left, 1)}" y1="{y}" x2="{round(left + slot - 8, 1)}" y2="{y}" stroke="{TARGET}" '
                  f'stroke-width="3" stroke-dasharray="8 4"/>',
                  *_haloed(f'x="{round(left + (slot - 8) / 2, 1)}" y="{y - 7}" text-anchor="middle" '
                           f'font-size="12" font-weight="bold"', escape(label), TARGET)]
    return parts


def _axis_titles() -> list[str]:
    vertical, horizontal = _("Registered entities in the city"), _("Fiscal year (day counted)")
    middle = TOP + PLOT_H / 2
    return [
        f'<text x="18" y="{middle}" text-anchor="middle" transform="rotate(-90 18 {middle})" fill="{MUTED}">'
        f'{escape(vertical)}</text>',
        f'<text x="{LEFT + PLOT_W / 2}" y="{HEIGHT - 8}" text-anchor="middle" fill="{MUTED}">'
        f'{escape(horizontal)}</text>',
    ]
