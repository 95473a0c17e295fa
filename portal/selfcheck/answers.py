"""The visitor's self-check answers, kept in the Flask session only (no account, no database).

The session holds nothing but the checklist version and two lists of item ids. Every read
checks them against the checklist: the session is signed, but an old cookie (an earlier
checklist version) or a hand-made one must be cleaned, never trusted or crashed on.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, session
from flask_babel import gettext as _

from portal.applications.checklist import BASIC, CHALLENGE, Checklist, available_versions, load_checklist

SESSION_KEY = "selfcheck"


@dataclass
class Answers:
    """The ticked basic items and chosen challenge items, as sets of ids of one version."""

    version: str
    basic: set[str] = field(default_factory=set)
    challenge: set[str] = field(default_factory=set)

    def of(self, kind: str) -> set[str]:
        return self.basic if kind == BASIC else self.challenge

    def evaluate(self, checklist: Checklist):
        return checklist.evaluate(self.basic, self.challenge)


def current_checklist() -> Checklist:
    """The newest checklist version: the one a new cohort gets by default."""
    return load_checklist(available_versions()[-1])


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
    if not cleaned:
        store(answers)
        flash(_("Some of your saved self-check answers could not be read and were removed. Please check your "
                "answers."), "warning")
    return answers


def store(answers: Answers) -> None:
    """Write the answers to the session: the version and sorted lists of ids, nothing else."""
    session[SESSION_KEY] = {"version": answers.version, BASIC: sorted(answers.basic),
                            CHALLENGE: sorted(answers.challenge)}


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
    if not answers.basic and not answers.challenge:
        clear()
        return False
    checklist = load_checklist(answers.version)
    operations.save_section(application, "checklist", {  # the shape checklist_to_content gives
        "version": answers.version,
        BASIC: [item.id for item in checklist.basic if item.id in answers.basic],
        CHALLENGE: [item.id for item in checklist.challenge if item.id in answers.challenge],
    }, user)
    clear()
    flash(_("Your self-check answers have been copied into the checklist step of this application. Please "
            "check them there."), "info")
    return True
