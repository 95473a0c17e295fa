"""The visitor's self-check answers, kept in the Flask session only (no account, no database).

The session holds nothing but the checklist version, two lists of item ids and, from version
2, the kind of organisation and the items marked 「該当なし」 with their reasons. Every read
checks them against the checklist: the session is signed, but an old cookie (an earlier
checklist version) or a hand-made one must be cleaned, never trusted or crashed on.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, session
from flask_babel import gettext as _

from portal.applications.checklist import (APPLICANT_KINDS, BASIC, CHALLENGE, REASON_MAX, Checklist,
                                           latest_version, load_checklist)

SESSION_KEY = "selfcheck"


@dataclass
class Answers:
    """The ticked basic items and chosen challenge items, as sets of ids of one version; the
    kind of organisation (which decides what may be 「該当なし」) and the 該当なし with reasons."""

    version: str
    basic: set[str] = field(default_factory=set)
    challenge: set[str] = field(default_factory=set)
    kind: str | None = None
    not_applicable: dict[str, str] = field(default_factory=dict)

    def of(self, kind: str) -> set[str]:
        return self.basic if kind == BASIC else self.challenge

    def evaluate(self, checklist: Checklist):
        return checklist.evaluate(self.basic, self.challenge, self.not_applicable, self.kind)

    @property
    def empty(self) -> bool:
        return not (self.basic or self.challenge or self.not_applicable)


def current_checklist() -> Checklist:
    """The newest checklist version: the one a new cohort gets by default."""
    return load_checklist(latest_version())


def load(checklist: Checklist) -> Answers:
    """The answers in the session for `checklist`, cleaned; empty answers if there are none.

    Anything that is not what `store` writes (another version, a non-list, unknown ids, ids of
    the other kind) is dropped from the session with a message, so the visitor knows why
    ticks disappeared.
    """
    raw = session.get(SESSION_KEY)
    answers = Answers(checklist.version)
    if raw is None:
        return answers
    if not isinstance(raw, dict) or raw.get("version") != checklist.version:
        session.pop(SESSION_KEY, None)
        flash(_("Your earlier self-check answers were for another version of the checklist, or could not be "
                "read, so they were cleared. Please answer again."), "warning")
        return answers
    cleaned = True
    for kind in (BASIC, CHALLENGE):
        values = raw.get(kind, [])
        if not isinstance(values, list):
            cleaned = False
            continue
        known = {item.id for item in (checklist.basic if kind == BASIC else checklist.challenge)}
        kept = {value for value in values if isinstance(value, str) and value in known}
        if len(kept) != len(values):
            cleaned = False
        answers.of(kind).update(kept)
    kind = raw.get("kind")
    if kind in APPLICANT_KINDS:
        answers.kind = kind
    elif kind is not None:
        cleaned = False
    marked = raw.get("not_applicable", {})
    if isinstance(marked, dict):
        # Only items of this version that may be 該当なし at all, with a reason the form accepts.
        allowed = {item.id for item in checklist.basic if item.not_applicable is not None}
        answers.not_applicable = {key: value for key, value in marked.items()
                                  if key in allowed and isinstance(value, str) and len(value) <= REASON_MAX}
        if len(answers.not_applicable) != len(marked):
            cleaned = False
    else:
        cleaned = False
    if not cleaned:
        store(answers)
        flash(_("Some of your saved self-check answers could not be read and were removed. Please check your "
                "answers."), "warning")
    return answers


def store(answers: Answers) -> None:
    """Write the answers to the session: the version and sorted lists of ids, and the kind and
    the 該当なし when there are any, nothing else."""
    stored = {"version": answers.version, BASIC: sorted(answers.basic), CHALLENGE: sorted(answers.challenge)}
    if answers.kind:
        stored["kind"] = answers.kind
    if answers.not_applicable:
        stored["not_applicable"] = dict(sorted(answers.not_applicable.items()))
    session[SESSION_KEY] = stored


def clear() -> None:
    session.pop(SESSION_KEY, None)


def has_answers() -> bool:
    return SESSION_KEY in session


def carry_into(application, user) -> bool:
    """Prefill a new application's checklist step with the visitor's self-check answers.

    Only answers of the version the application's cohort uses are carried over (through
    `save_section`, which audits the change); they then leave the session. Answers of another
    version stay where they are, for a cohort that uses it. Returns True if anything was carried.
    """
    from portal.applications import operations

    raw = session.get(SESSION_KEY)
    if not isinstance(raw, dict) or raw.get("version") != application.cohort.checklist_version:
        return False
    answers = load(load_checklist(application.cohort.checklist_version))
    if answers.empty:
        clear()
        return False
    checklist = load_checklist(answers.version)
    carried = {  # the shape checklist_to_content gives
        "version": answers.version,
        BASIC: [item.id for item in checklist.basic if item.id in answers.basic],
        CHALLENGE: [item.id for item in checklist.challenge if item.id in answers.challenge],
    }
    # The 該当なし go along as answered; if the organisation is of another kind than the one
    # chosen in the self-check, the checklist step and the confirmation page say which are refused.
    marked = {item.id: answers.not_applicable[item.id] for item in checklist.basic if item.id in answers.not_applicable}
    if marked:
        carried["not_applicable"] = marked
    operations.save_section(application, "checklist", carried, user)
    clear()
    flash(_("Your self-check answers have been copied into the checklist step of this application. Please "
            "check them there."), "info")
    return True
