"""The application workflow in one place: states, who sees what name, which moves are allowed.

Adding a state is one edit here (and a migration only if a constraint names it).
"""
from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class ApplicationState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    RECOMMENDED_APPROVAL = "recommended_approval"
    RECOMMENDED_REJECTION = "recommended_rejection"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def title(self) -> str:
        """The name staff see."""
        return str(_STAFF_TITLES[self])

    @property
    def public_title(self) -> str:
        """The name the applicant sees: recommendations stay internal until the decision."""
        return str(_APPLICANT_TITLES[self])


S = ApplicationState

_STAFF_TITLES = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Submitted"),
    S.UNDER_REVIEW: _l("Under review"),
    S.RETURNED: _l("Returned for correction"),
    S.RECOMMENDED_APPROVAL: _l("Recommended for approval"),
    S.RECOMMENDED_REJECTION: _l("Recommended for rejection"),
    S.APPROVED: _l("Approved"),
    S.REJECTED: _l("Rejected"),
    S.WITHDRAWN: _l("Withdrawn"),
}

_APPLICANT_TITLES = {
    S.DRAFT: _l("Draft (not submitted)"),
    S.SUBMITTED: _l("Received"),
    S.UNDER_REVIEW: _l("Under review"),
    S.RETURNED: _l("Correction requested"),
    S.RECOMMENDED_APPROVAL: _l("Under review"),
    S.RECOMMENDED_REJECTION: _l("Under review"),
    S.APPROVED: _l("Registered"),
    S.REJECTED: _l("Not registered"),
    S.WITHDRAWN: _l("Withdrawn"),
}

# The one transition table: from each state, the states an application may move to.
TRANSITIONS: dict[ApplicationState, frozenset[ApplicationState]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.RETURNED, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.RETURNED, S.RECOMMENDED_APPROVAL, S.RECOMMENDED_REJECTION, S.WITHDRAWN}),
    # A corrected resubmission goes back to its reviewer, under review (no second "start review");
    # one nobody has taken yet waits as submitted.
    S.RETURNED: frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.WITHDRAWN}),
    S.RECOMMENDED_APPROVAL: frozenset({S.UNDER_REVIEW, S.APPROVED, S.WITHDRAWN}),
    S.RECOMMENDED_REJECTION: frozenset({S.UNDER_REVIEW, S.REJECTED, S.WITHDRAWN}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# The applicant edits only what is theirs to change: a draft, or what review sent back.
EDITABLE = frozenset({S.DRAFT, S.RETURNED})
SUBMITTABLE = EDITABLE
WITHDRAWABLE = frozenset(s for s, targets in TRANSITIONS.items() if S.WITHDRAWN in targets)
LIVE = frozenset(S) - {S.WITHDRAWN}


def can_move(current: ApplicationState, to: ApplicationState) -> bool:
    return to in TRANSITIONS[current]
