"""決裁 list — the entities a cohort's decision registers and rejects, for the prefecture's
internal approval of the result before it is announced.

For a closed cohort the list shows what the decision would do now: the applications recommended
for approval with the registration numbers the decision would give them (the same order,
`operations.decision_order` and `operations.numbered`), marked provisional, since a withdrawal
before the decision moves every later number; and those recommended for rejection. For a decided
cohort it shows what the decision did, with the actual numbers.

Plain data (dicts of codes), so the PDF (always Japanese, like the portal's other documents)
and the XLSX (in the reader's language) translate the labels themselves.
"""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.cohorts import operations
from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.core.pdf import render_pdf

TEMPLATE = "cohorts/pdf/approval_list.html"
LOCALE = "ja"

TITLE = _l("Decision list for internal approval")
# The two parts of the list: before the decision, and after it.
PARTS = {False: (_l("Organisations to be registered"), _l("Organisations to be rejected")),
         True: (_l("Organisations registered by the decision"), _l("Organisations rejected by the decision"))}


def available(cohort: Cohort) -> bool:
    """A list exists once the window is closed: what the decision would do, or what it did."""
    return cohort.state in (CohortState.CLOSED, CohortState.DECIDED) and not cohort.imported


def list_data(cohort: Cohort, printed_on: date) -> dict:
    """The rows of the list: `registered` (each with its number, `provisional` before the
    decision, `renewal` when it renews a registration and so keeps its number) and `rejected`,
    in decision order, and how many applications are still undecided (not in the list)."""
    from portal.applications.models import Application, ApplicationKind
    from portal.applications.workflow import ApplicationState as S
    from portal.registrations.models import Registration

    decided = cohort.state == CohortState.DECIDED
    approve, reject = (S.APPROVED, S.REJECTED) if decided else (S.RECOMMENDED_APPROVAL, S.RECOMMENDED_REJECTION)
    applications = db.session.scalars(
        select(Application).where(Application.cohort_id == cohort.id, Application.state.in_((approve, reject)))
        .order_by(*operations.decision_order()).options(selectinload(Application.organisation))).all()
    approved = [a for a in applications if a.state == approve]
    numbers = dict(db.session.execute(select(Registration.id, Registration.number).where(
        Registration.id.in_([a.registration_id for a in approved if a.registration_id]))).all()) if approved else {}
    new = [a for a in approved if a.kind == ApplicationKind.NEW]
    if decided:  # the numbers the decision gave
        number_of = {a.id: numbers.get(a.registration_id, "") for a in approved}
    else:  # the numbers it would give, in its order
        number_of = {a.id: Registration.format_number(cohort.number, n) for n, a in operations.numbered(new)}
    # A renewal keeps the number of the registration it renews (not provisional).
    number_of.update({a.id: numbers.get(a.registration_id, "") for a in approved if a.kind == ApplicationKind.RENEWAL})
    registered = [dict(_row(a), number=number_of.get(a.id, ""), renewal=a.kind == ApplicationKind.RENEWAL,
                       provisional=not decided and a.kind == ApplicationKind.NEW)
                  for a in new + [a for a in approved if a.kind == ApplicationKind.RENEWAL]]
    undecided = 0 if decided else db.session.scalar(select(func.count()).select_from(Application).where(
        Application.cohort_id == cohort.id, Application.state.not_in(operations.DECIDABLE)))
    return {"cohort": cohort.number, "decided": decided, "decided_on": cohort.decided_on, "printed_on": printed_on,
            "registered": registered, "rejected": [_row(a) for a in applications if a.state == reject],
            "undecided": undecided}


def _row(application) -> dict:
    organisation = application.organisation
    return {"application": application.id, "name": organisation.name, "kana": organisation.name_kana or "",
            "corporate_number": organisation.corporate_number or "", "kind": organisation.kind.value,
            "municipality": organisation.municipality_code, "industry": organisation.industry}


def approval_pdf(data: dict) -> bytes:
    """The list as an A4 landscape PDF, in Japanese, the header row on every page, "N / M" below."""
    from portal.organisations.models import OrganisationKind

    with force_locale(LOCALE):
        registered_title, rejected_title = PARTS[data["decided"]]
        return render_pdf(TEMPLATE, title=str(TITLE), registered_title=str(registered_title),
                          rejected_title=str(rejected_title), kinds={k.value: k.title for k in OrganisationKind},
                          **data)


def export_rows(data: dict) -> tuple[list[tuple[str, str]], list[dict]]:
    """The list as one table for the XLSX, in the request's language: (columns, rows), the
    registered first, then the rejected, each row saying which it is."""
    from flask_babel import gettext as _

    from portal.core.i18n import industry_name, municipality_name
    from portal.organisations.models import OrganisationKind

    registered_title, rejected_title = (str(part) for part in PARTS[data["decided"]])
    kinds = {k.value: k.title for k in OrganisationKind}
    columns = [("result", _("Result")), ("no", _("No.")), ("number", _("Registration number")),
               ("provisional", _("Provisional number")), ("name", _("Name of the organisation")),
               ("kana", _("Name in katakana")), ("corporate_number", _("Corporate number")), ("kind", _("Kind")),
               ("municipality", _("Municipality")), ("industry", _("Industry"))]
    yes = _("Yes")
    rows = []
    for part, title in (("registered", registered_title), ("rejected", rejected_title)):
        for index, row in enumerate(data[part], start=1):
            rows.append({"result": title, "no": index, "number": row.get("number", ""),
                         "provisional": yes if row.get("provisional") else "", "name": row["name"],
                         "kana": row["kana"], "corporate_number": row["corporate_number"],
                         "kind": kinds.get(row["kind"], row["kind"]),
                         "municipality": municipality_name(row["municipality"]),
                         "industry": industry_name(row["industry"])})
    return columns, rows
