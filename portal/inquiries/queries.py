"""Read-only questions about inquiries, for other features' pages (the staff やること panel)."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.permissions import answering_offices
from portal.core.roles import Role
from portal.inquiries.models import Inquiry, InquiryState


def answerers(office: str):
    """The active accounts that answer the office's inquiries, by name (the assignee's choices)."""
    from portal.accounts.models import User

    roles = (Role.REVIEWER, Role.SECRETARIAT) if office == "prefecture" else (Role.CITY,)
    return db.session.scalars(select(User).where(User.role.in_(roles), User.active.is_(True))
                              .order_by(User.name, User.id)).all()


def waiting_for_staff(user) -> int:
    """How many inquiries wait for an answer that this staff user may give (one query; 0 for
    anyone else)."""
    offices = answering_offices(user)
    if not offices:
        return 0
    return db.session.scalar(select(func.count(Inquiry.id)).where(
        Inquiry.office.in_(offices), Inquiry.state == InquiryState.OPEN)) or 0
