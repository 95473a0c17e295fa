"""The logo-permit workflow in one place: states, the names staff and holders see, the moves.

draft → submitted → approved | returned | rejected; returned → submitted; approved → expired |
revoked. Adding a state is one edit here.
"""
from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class PermitState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def title(self) -> str:
        """The name staff see."""
        return str(_STAFF_TITLES[self])

    @property
    def public_title(self) -> str:
        """The name the holder sees."""
        return str(_HOLDER_TITLES[self])


S = PermitState

_STAFF_TITLES = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Waiting for a decision"),
    S.RETURNED: _l("Returned for correction"),
    S.APPROVED: _l("Permit issued"),
    S.REJECTED: _l("Refused"),
    S.EXPIRED: _l("Ended"),
    S.REVOKED: _l("Revoked"),
}

_HOLDER_TITLES = {
    S.DRAFT: _l("Draft (not sent)"),
    S.SUBMITTED: _l("Received, being checked"),
    S.RETURNED: _l("Correction requested"),
    S.APPROVED: _l("Permitted"),
    S.REJECTED: _l("Not permitted"),
    S.EXPIRED: _l("Ended"),
    S.REVOKED: _l("Revoked"),
}

# The one transition table: from each state, the states a request or permit may move to.
TRANSITIONS: dict[PermitState, frozenset[PermitState]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.RETURNED, S.REJECTED}),
    S.RETURNED: frozenset({S.SUBMITTED}),
    S.APPROVED: frozenset({S.EXPIRED, S.REVOKED}),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REVOKED: frozenset(),
}

# The holder changes only what is theirs to change: a draft, or what the secretariat sent back.
EDITABLE = frozenset({S.DRAFT, S.RETURNED})
# States with a permit number, a permit PDF and a period.
ISSUED = frozenset({S.APPROVED, S.EXPIRED, S.REVOKED})
# States the secretariat sees (a draft is the holder's own until it is sent).
SENT = frozenset(S) - {S.DRAFT}


def sources(to: PermitState) -> frozenset[PermitState]:
    """The states from which a request or permit may move to `to`."""
    return frozenset(state for state, targets in TRANSITIONS.items() if to in targets)


def can_move(current: PermitState, to: PermitState) -> bool:
    return to in TRANSITIONS[current]
