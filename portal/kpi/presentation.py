"""The KPI report as people read it: names in the current language, dates as dates, shares —
for the page, the PDF and the CSV/XLSX download, so the three never disagree.

The spreadsheet is one table in "long" form rather than several: a first column says which
part of the report a row belongs to (summary, cohort, fiscal year, ward, industry, SDG goal), so one
description of columns serves both CSV and XLSX (`portal.core.exports`), and a spreadsheet's
filter on that column gives back each table.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _

from portal.core.i18n import current_locale, fiscal_year_name
from portal.core.reference.industries import industry
from portal.core.reference.municipalities import municipality
from portal.core.reference.sdgs import goal
from portal.kpi.report import WARD_UNKNOWN


def ward_name(code: str) -> str:
    if code == WARD_UNKNOWN:
        return _("Kumamoto City (ward unknown)")
    return municipality(code).name(current_locale())


def industry_label(code: str) -> str:
    try:
        return industry(code).name(current_locale())
    except KeyError:
        return _("Unknown industry")


def display(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report with what a reader needs next to the figures: titles, names, dates (a fiscal
    year's `counted_on`: its last day, or the report date for the current year)."""
    breakdowns = report["breakdowns"]
    in_city = report["active_in_city"]
    as_of = date.fromisoformat(report["as_of"])
    headline = report["headline"]
    return {
        "as_of": as_of,
        "headline": {**headline, "title": fiscal_year_name(headline["fiscal_year"]),
                     "year_end": date.fromisoformat(headline["year_end"]),
                     "counted_on": date.fromisoformat(headline["counted_on"])},
        "cohorts": [{**c, "title": _("Cohort %(number)s", number=c["number"]),
                     "decided_on": date.fromisoformat(c["decided_on"])} for c in report["cohorts"]],
        "fiscal_years": [{**y, "title": fiscal_year_name(y["fiscal_year"]),
                          "counted_on": min(date.fromisoformat(y["year_end"]), as_of),
                          "to_date": date.fromisoformat(y["year_end"]) > as_of}
                         for y in report["fiscal_years"]],
        "wards": [{**w, "name": ward_name(w["code"]), "share": round(w["active"] / in_city, 4) if in_city else None}
                  for w in breakdowns["wards"]],
        "industries": [{**i, "name": industry_label(i["code"])} for i in breakdowns["industries"]],
        "goals": [{**g, "name": goal(g["goal"]).name(current_locale()), "colour": goal(g["goal"]).colour}
                  for g in breakdowns["goals"]],
    }


def export_columns() -> list[tuple[str, str]]:
    return [
        ("section", _("Part of the report")), ("code", _("Code")), ("item", _("Item")),
        ("decided_on", _("Decision date")), ("registered", _("Registered by the decision")),
        ("in_city", _("Of which in the city")), ("in_city_share", _("Share in the city")),
        ("cumulative_registered", _("Registered, cumulative")), ("cumulative_in_city", _("In the city, cumulative")),
        ("active", _("Active on the report date")), ("active_in_city", _("Active in the city")),
        ("target", _("Target")), ("progress", _("Progress")),
    ]


def export_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of the download: the summary first, then each cohort, fiscal year, ward, industry
    and goal.
    Shares and progress are fractions (0.6976), as a spreadsheet formats percentages."""
    shown = display(report)
    rows: list[dict[str, Any]] = [{
        "section": _("Summary"), "code": report["as_of"],
        "item": _("As of %(date)s; target for fiscal %(year)s", date=report["as_of"],
                  year=report["target_fiscal_year"]),
        "active": report["active_total"], "active_in_city": report["active_in_city"],
        "in_city_share": report["active_in_city_share"], "target": report["target"], "progress": report["progress"],
    }]
    cohort, year, ward, sector, sdg = _("Cohort"), _("Fiscal year"), _("Ward"), _("Industry"), _("SDG goal")
    for c in shown["cohorts"]:
        rows.append({"section": cohort, "code": c["number"], "item": c["title"], "decided_on": c["decided_on"],
                     "registered": c["registered"], "in_city": c["in_city"], "in_city_share": c["in_city_share"],
                     "cumulative_registered": c["cumulative_registered"],
                     "cumulative_in_city": c["cumulative_in_city"]})
    for y in shown["fiscal_years"]:
        rows.append({"section": year, "code": y["fiscal_year"],
                     "item": _("Fiscal %(year)s; active on %(date)s", year=y["fiscal_year"],
                               date=y["counted_on"].isoformat()),
                     "registered": y["decided"], "cumulative_registered": y["cumulative_registered"],
                     "active": y["active_total"], "active_in_city": y["active_in_city"],
                     "in_city_share": y["active_in_city_share"],
                     "target": y["target"], "progress": y["progress"]})
    for w in shown["wards"]:
        rows.append({"section": ward, "code": w["code"], "item": w["name"], "active": w["active"],
                     "active_in_city": w["active"]})
    for i in shown["industries"]:
        rows.append({"section": sector, "code": i["code"], "item": i["name"], "active": i["active"],
                     "active_in_city": i["active_in_city"]})
    for g in shown["goals"]:
        rows.append({"section": sdg, "code": g["goal"], "item": g["name"], "active": g["active"],
                     "active_in_city": g["active_in_city"]})
    return rows


def filename_stem(report: Mapping[str, Any]) -> str:
    return _("kpi-report-%(date)s", date=report["as_of"])
