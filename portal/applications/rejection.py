"""The reason a rejection gives the applicant (不登録の理由): the secretariat chooses a standard
reason, and may add words of its own, before the cohort is decided; the decision mail states it.

It is kept apart from the reviewer's reason for recommending rejection
(`Application.recommendation_reason`), which stays internal to staff.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Addressed to the applicant; the key is what is stored.
REASONS = {
    "criteria": _l("The application does not meet the criteria for registration."),
    "actions_not_concrete": _l("The key actions are not concrete enough to be checked: each needs an indicator and "
                               "a target value for 2030."),
    "checklist_unsupported": _l("The checklist answers are not supported by the activities described in the "
                                "application."),
    "not_eligible": _l("Your organisation is not eligible for registration: it needs an office doing business in "
                       "Kumamoto Prefecture, and the state and local governments cannot register."),
    "declarations": _l("The declarations (taxes, organised crime, lawful conduct) could not be confirmed."),
    "no_correction": _l("The corrections requested were not made by the deadline."),
}
MESSAGE_MAX = 2000


def reason_text(key: str | None) -> str:
    return str(REASONS[key]) if key in REASONS else ""
