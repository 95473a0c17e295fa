"""An applicant editing a draft writes the application alone: the review area and the staff pages
move on, the public register and the KPI report keep their kept pages (portal.core.generations)."""
from __future__ import annotations

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.generations import KPI, REGISTER, REVIEW, STAFF, Generation


def _numbers(app) -> dict[str, int]:
    with app.app_context():
        found = dict(db.session.execute(select(Generation.area, Generation.value)).all())
        db.session.remove()
    return {area: found.get(area, 0) for area in (REGISTER, REVIEW, KPI, STAFF)}


def test_saving_a_draft_section_leaves_the_register_alone(app, applicant, make_cohort, make_application):
    from portal.accounts.models import User
    from portal.applications import operations
    from portal.applications.models import Application

    user_id, _organisation_id = applicant
    application_id = make_application(user_id, make_cohort())
    before = _numbers(app)
    with app.test_request_context():
        user = db.session.get(User, user_id)
        operations.save_section(db.session.get(Application, application_id), "vision",
                                {"vision": "2030年、地域の森と水を守る担い手になる。"}, user)
        db.session.commit()
    after = _numbers(app)
    assert after[REGISTER] == before[REGISTER] and after[KPI] == before[KPI]
    assert after[REVIEW] == before[REVIEW] + 1 and after[STAFF] == before[STAFF] + 1
