"""Renewal drafts start from what was approved last time, and report on it: each key action of
the previous registration (by its key) and each challenge item chosen then is a commitment,
reported achieved or not (達成／未達成)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.applications.checklist import load_checklist
from portal.applications.keys import keyed
from portal.applications.models import Application, ApplicationRevision
from portal.applications.workflow import ApplicationState
from portal.core.extensions import db

CARRIED_OVER = ("vision", "actions", "checklist", "partners")
ACTION, CHECKLIST = "action", "checklist"
# What a key action's commitment keeps of the action as it was approved: the baseline and the
# 2030 target the registrant reports against, whatever the renewal's draft makes of the action.
ACTION_FIELDS = ("area", "description", "indicator", "unit", "current_value", "target_value")
COMMENT_MAX = 500


def last_approved_revision(registration) -> ApplicationRevision | None:
    return db.session.scalar(
        select(ApplicationRevision)
        .join(Application)
        .where(Application.registration_id == registration.id, Application.state == ApplicationState.APPROVED)
        .order_by(Application.id.desc(), ApplicationRevision.number.desc())
        .limit(1)
    )


def prefill(registration, checklist_version: str | None = None) -> dict:
    """The renewal's first draft: the last approved answers (key actions with their keys), the
    commitments to report on, and the answers the latest progress report suggests. The checklist
    answers are read as answers to `checklist_version`, the renewal cohort's (version 1's answers
    are version 2's: same items; 該当なし is then the applicant's to add)."""
    revision = last_approved_revision(registration)
    if revision is None:  # e.g. registered before the portal: nothing to carry over
        return {"commitments": []}
    earlier = revision.content
    content = {key: earlier[key] for key in CARRIED_OVER if key in earlier}
    if "checklist" in content and checklist_version is not None:
        content["checklist"] = load_checklist(checklist_version).carry_over(content["checklist"])
    actions = keyed(earlier.get("actions"))
    if "actions" in content:
        content["actions"] = actions
    commitments = [
        {"id": action["key"], "kind": ACTION, "key": action["key"],
         "label": f"{index + 1}. {(action.get('description') or '')[:80]}",
         **{field: action.get(field) for field in ACTION_FIELDS}}
        for index, action in enumerate(actions)
    ]
    checklist = load_checklist(earlier.get("checklist_version", "1"))
    commitments += [
        {"id": item_id, "kind": CHECKLIST, "label": f"{item_id} {checklist.item(item_id).text_ja}"}
        for item_id in (earlier.get("checklist") or {}).get("challenge", [])
    ]
    content["commitments"] = commitments
    from portal.reports.queries import achievements  # the key actions' latest yearly progress reports

    suggested = achievements(registration.id)
    answers = [{"id": action["key"], "achieved": suggested[action["key"]], "comment": ""}
               for action in actions if action["key"] in suggested]
    if answers:
        content["report"] = answers
    return content


def is_action(commitment: dict) -> bool:
    return commitment.get("kind", ACTION if commitment.get("key") else CHECKLIST) == ACTION


@dataclass(frozen=True)
class Reported:
    """One key action commitment as the renewal report shows it: the action as approved, the
    values reported on it each year, and the registrant's answer."""

    commitment: dict
    number: int
    points: list  # (fiscal year, text, number, status), oldest first
    achieved: bool | None
    comment: str


def key_action_results(content: dict, registration_id: int | None) -> list[Reported]:
    """The key action commitments of a renewal's answers with what was reported on each (by key),
    for the report step, the confirmation page, the revision and the review page."""
    from portal.reports.queries import history

    points = history(registration_id) if registration_id else {}
    answers = {a.get("id"): a for a in content.get("report") or []}
    found = []
    for commitment in content.get("commitments") or []:
        if not is_action(commitment):
            continue
        answer = answers.get(commitment["id"]) or {}
        found.append(Reported(commitment, len(found) + 1, points.get(commitment.get("key"), []),
                              answer.get("achieved"), answer.get("comment") or ""))
    return found


def checklist_results(content: dict) -> list[tuple[dict, bool | None]]:
    """The challenge item commitments with their answers (no comment: the choice says it all)."""
    answers = {a.get("id"): a for a in content.get("report") or []}
    return [(c, (answers.get(c["id"]) or {}).get("achieved"))
            for c in content.get("commitments") or [] if not is_action(c)]


def renewal_report(application, content: dict) -> dict | None:
    """What the pages that show a whole application (confirmation, revision, review) show of a
    renewal's report on the last term; None for a new application."""
    if application.kind != "renewal":
        return None
    return {"results": key_action_results(content, application.registration_id),
            "challenge": checklist_results(content)}
