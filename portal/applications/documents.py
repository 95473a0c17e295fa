"""申請内容の控え — the application copy, rendered from the frozen revision (plain data)."""
from __future__ import annotations

import io

from flask_babel import force_locale

from portal.applications.checklist import load_checklist
from portal.applications.content import AREAS, DECLARATIONS
from portal.core.pdf import render_pdf
from portal.core.reference.industries import industry
from portal.core.reference.sdgs import goal


def application_copy(application, revision) -> io.BytesIO:
    """The PDF copy of revision N, in Japanese (the language of the official record)."""
    with force_locale("ja"):
        return io.BytesIO(render_pdf("applications/pdf/copy.html", **_data(application, revision)))


def _cohort_title(number: int) -> str:
    """The title of the cohort the revision was submitted in (its display name, or 第N期)."""
    from sqlalchemy import select

    from portal.cohorts.models import Cohort
    from portal.core.extensions import db

    return db.session.scalar(select(Cohort).where(Cohort.number == number)).title


def _data(application, revision) -> dict:
    content = revision.content
    checklist = load_checklist(content["checklist_version"])
    evaluation = checklist.evaluate_answers(content.get("checklist"), content["profile"].get("kind"))
    data = {
        "application_id": application.id,
        "cohort": content["cohort"],
        "cohort_title": _cohort_title(content["cohort"]),
        "kind": content["kind"],
        "revision": revision.number,
        "submitted_at": revision.submitted_at,
        "profile": content["profile"],
        "industry": industry(content["profile"]["industry"]).name_ja if content["profile"].get("industry") else "",
        "vision": content.get("vision", ""),
        "actions": [
            {**a, "area_title": str(AREAS.get(a.get("area"), "")),
             "goal_names": [f"{n}. {goal(n).name_ja}" for n in a.get("goals", [])]}
            for a in content.get("actions", [])
        ],
        "basic": [(i.id, i.text_ja, i.id in content.get("checklist", {}).get("basic", [])) for i in checklist.basic],
        "challenge": [(i.id, i.text_ja) for i in checklist.challenge
                      if i.id in content.get("checklist", {}).get("challenge", [])],
        # 「該当なし」 counts as met for a basic item; each is listed with its reason.
        "basic_met": evaluation.basic_met,
        "not_applicable": [(i.id, i.text_ja, reason) for i, reason in evaluation.not_applicable],
        "report": content.get("report", []),
        "commitments": {c["id"]: c["label"] for c in content.get("commitments", [])},
        "declarations": [(str(text), bool(content.get("declarations", {}).get(key)))
                         for key, text in DECLARATIONS.items()],
        "partners": [n["ja"] for n in (content.get("partners", {}).get("names") or {}).values()],
        "attachments": content.get("attachments", []),
    }
    return data
