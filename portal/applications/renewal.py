"""Renewal drafts start from what was approved last time."""
from __future__ import annotations

from sqlalchemy import select

from portal.applications.checklist import load_checklist
from portal.applications.models import Application, ApplicationRevision
from portal.applications.workflow import ApplicationState
from portal.core.extensions import db

CARRIED_OVER = ("vision", "actions", "checklist", "partners")


def last_approved_revision(registration) -> ApplicationRevision | None:
    return db.session.scalar(
        select(ApplicationRevision)
        .join(Application)
        .where(Application.registration_id == registration.id, Application.state == ApplicationState.APPROVED)
        .order_by(Application.id.desc(), ApplicationRevision.number.desc())
        .limit(1)
    )


def prefill(registration) -> dict:
    """The renewal's first draft: the last approved answers, and the commitments to report on."""
    revision = last_approved_revision(registration)
    if revision is None:  # e.g. registered before the portal: nothing to carry over
        return {"commitments": []}
    earlier = revision.content
    content = {key: earlier[key] for key in CARRIED_OVER if key in earlier}
    commitments = [
        {"id": f"A{index + 1}", "label": f"{index + 1}. {action.get('description', '')[:80]}"}
        for index, action in enumerate(earlier.get("actions") or [])
    ]
    checklist = load_checklist(earlier.get("checklist_version", "1"))
    commitments += [
        {"id": item_id, "label": f"{item_id} {checklist.item(item_id).text_ja}"}
        for item_id in (earlier.get("checklist") or {}).get("challenge", [])
    ]
    content["commitments"] = commitments
    from portal.reports.queries import achievements  # the key actions' latest yearly progress reports

    answers = [{"id": f"A{index + 1}", "achieved": achieved, "comment": ""}
               for index, achieved in sorted(achievements(registration.id).items())]
    if answers:
        content["report"] = answers
    return content
