"""Claim letters (登録引継ぎのご案内): one PDF for a cohort's registrants without an owner, a page
each — an address block for a window envelope, the registration number, a single-use claim code
and the steps to claim online — so that the prefecture can post them.

Making the letters makes the codes (`operations.issue_codes`): the PDF is the only place a code
is ever written in clear. The pages are rendered from plain data in one WeasyPrint document.
"""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from portal.claims import operations
from portal.cohorts.models import Cohort
from portal.core.i18n import postal_code, today_jst
from portal.core.links import external_url
from portal.core.pdf import render_pdf

TEMPLATE = "claims/pdf/letters.html"


def letter_data(cohort: Cohort, codes: dict[int, str], registrations, issued_on: date, last_day: date) -> dict:
    """What the letters print, as plain data: `last_day` is the last day the codes work."""
    return {
        "cohort": cohort.number,
        "cohort_title": cohort.display_name or f"第{cohort.number}期",  # the letters are Japanese
        "issued_on": issued_on,
        "expires_on": last_day,
        "claim_url": external_url("claims.code"),
        "portal_url": external_url("core.home"),
        "letters": [{"number": r.number, "code": operations.format_code(codes[r.id]),
                     "postal_code": postal_code(r.organisation.postal_code), "address": _postal_address(r.organisation.address),
                     "name": r.organisation.name} for r in registrations],
    }


def _postal_address(address: str) -> str:
    # Hand-kept files often leave out the prefecture; every registrant is in Kumamoto.
    return address if address.startswith("熊本県") else f"熊本県{address}"


def make_letters(cohort: Cohort, actor) -> tuple[bytes, int]:
    """Make new claim codes for the cohort's registrants without an owner and their letters:
    (the PDF, how many letters). Earlier unused codes of these registrations stop working."""
    registrations = operations.unclaimed(cohort.id)
    today = today_jst()
    last_day = operations.code_last_day(today)  # once: the codes and the letters agree on it
    codes = operations.issue_codes(registrations, actor, last_day=last_day)
    data = letter_data(cohort, codes, registrations, today, last_day)
    with force_locale("ja"):
        return render_pdf(TEMPLATE, **data), len(registrations)
