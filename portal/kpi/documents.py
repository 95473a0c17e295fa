"""The KPI report as a PDF (A4, Japanese, WeasyPrint), with the chart the page shows.

Rendered from the plain report (`portal.kpi.report.kpi_report`), never from ORM objects, and
always in Japanese, like the portal's other documents: it is the city's report, and its dates
are given in the Japanese calendar (和暦) as well. Needs an app context, not a request, so the
command line renders the same file as the download.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import force_locale

from portal.core.pdf import render_pdf
from portal.kpi.chart import kpi_chart
from portal.kpi.presentation import display

TEMPLATE = "kpi/pdf/report.html"
LOCALE = "ja"


def kpi_pdf(report: Mapping[str, Any]) -> bytes:
    with force_locale(LOCALE):
        return render_pdf(TEMPLATE, report=report, shown=display(report), chart=kpi_chart(report, "pdf-chart"))
