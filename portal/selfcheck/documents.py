"""The self-check result as a PDF, rendered from plain data in the visitor's language (the IPAex
fonts cover both Japanese and English)."""
from __future__ import annotations

from portal.core.i18n import today_jst
from portal.core.pdf import render_pdf


def result_pdf(data: dict) -> bytes:
    """`data` as the result page gets it: checklist, evaluation, chosen items, locale."""
    return render_pdf("selfcheck/pdf/result.html", today=today_jst(), **data)
