"""The intake deadline as people read it: a cohort whose last day is Sunday 27 December 2026
closes at 00:00 JST on the 28th. An application submitted one minute before is accepted; one
submitted one minute after is refused with a message and nothing is stored. Every page that
states the window says "until the 27th, 23:59" — never "until the 28th"."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from support import csrf_token
from portal.applications import operations
from portal.applications.messages import ERRORS
from portal.applications.models import Application, ApplicationRevision
from portal.core import deadlines
from portal.core.extensions import db
from portal.core.i18n import JST

FIRST_DAY, LAST_DAY = date(2026, 10, 1), date(2026, 12, 27)  # a Thursday and a Sunday
EN_WINDOW = "from Thursday 1 October 2026 until Sunday 27 December 2026, 23:59 JST"


@pytest.fixture
def cohort(app):
    """Cohort 7, open, planned by its first and last day."""
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState

    with app.app_context():
        planned = cohorts.plan_cohort(7, deadlines.start_of(FIRST_DAY), deadlines.close_after(LAST_DAY))
        cohorts.move_cohort(planned, CohortState.OPEN)
        db.session.commit()
        return planned.id


@pytest.fixture(autouse=True)
def early_december(monkeypatch):
    """The pages read the present as 1 December 2026, inside the window, whatever day it is."""
    from portal.cohorts import models

    monkeypatch.setattr(models, "utcnow", lambda: datetime(2026, 12, 1, 10, 0, tzinfo=JST))


def _at(monkeypatch, moment: datetime) -> None:
    """The clock of the application operations reads `moment` (the way the claim tests do)."""
    monkeypatch.setattr(operations, "utcnow", lambda: moment.astimezone(JST))


def _submit(client, application_id):
    token = csrf_token(client, f"/applications/{application_id}/steps/confirm?lang=en")  # English from here on
    return client.post(f"/applications/{application_id}/submit", data={"csrf_token": token})


def _revisions(app, application_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ApplicationRevision)
                                 .where(ApplicationRevision.application_id == application_id))


def _state(app, application_id) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).state


def test_the_cutoff_is_midnight_after_the_last_day_in_japan(app, cohort):
    from portal.cohorts.models import Cohort

    with app.app_context():
        stored = db.session.get(Cohort, cohort)
        assert stored.closes_at.astimezone(JST) == datetime(2026, 12, 28, 0, 0, tzinfo=JST)
        assert deadlines.last_day(stored.closes_at) == LAST_DAY
        assert stored.accepts_applications(datetime(2026, 12, 27, 23, 59, 59, tzinfo=JST))
        assert not stored.accepts_applications(datetime(2026, 12, 28, 0, 0, tzinfo=JST))


def test_submitted_one_minute_before_the_cutoff_is_accepted(app, client, applicant, cohort, make_application,
                                                            complete_content, monkeypatch):
    application_id = make_application(applicant[0], cohort, complete_content())
    _at(monkeypatch, datetime(2026, 12, 27, 23, 59, tzinfo=JST))
    response = _submit(client, application_id)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/applications/{application_id}")
    assert _state(app, application_id) == "submitted" and _revisions(app, application_id) == 1


@pytest.mark.parametrize("moment", [datetime(2026, 12, 28, 0, 1, tzinfo=JST),
                                    datetime(2026, 12, 28, 0, 0, tzinfo=JST)])
def test_submitted_after_the_cutoff_is_refused_and_nothing_is_stored(app, client, applicant, cohort,
                                                                     make_application, complete_content,
                                                                     monkeypatch, moment):
    application_id = make_application(applicant[0], cohort, complete_content())
    _at(monkeypatch, moment)
    response = _submit(client, application_id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/steps/confirm")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert str(ERRORS["outside_window"]) in page
    assert _state(app, application_id) == "draft" and _revisions(app, application_id) == 0


def test_the_applicant_reads_the_last_day_and_its_last_minute(app, client, applicant, cohort, make_application,
                                                              complete_content):
    application_id = make_application(applicant[0], cohort, complete_content())
    start = client.get("/applications/new?lang=en").get_data(as_text=True)
    assert EN_WINDOW in start and "28 December" not in start
    status = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert f"Applications for Cohort 7 are accepted {EN_WINDOW}." in status
    confirm = client.get(f"/applications/{application_id}/steps/confirm").get_data(as_text=True)
    assert 'id="application-deadline"' in confirm and EN_WINDOW in confirm


def test_the_landing_page_names_the_open_intake_and_its_last_minute(app, client, cohort, monkeypatch):
    from portal.cohorts import views

    monkeypatch.setattr(views, "utcnow", lambda: datetime(2026, 12, 27, 23, 59, tzinfo=JST))
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'id="intake-7"' in page and f"Applications for Cohort 7 are accepted {EN_WINDOW}." in page
    monkeypatch.setattr(views, "utcnow", lambda: datetime(2026, 12, 28, 0, 0, tzinfo=JST))
    assert 'id="intake-7"' not in client.get("/?lang=en").get_data(as_text=True)


# --- a correction deadline is a day, included whole ------------------------------------------------

def _returned(app, client, applicant, cohort, make_application, complete_content, monkeypatch) -> int:
    """An application submitted on 20 December and returned with the deadline Sunday the 27th."""
    from portal.accounts.models import User

    application_id = make_application(applicant[0], cohort, complete_content())
    _at(monkeypatch, datetime(2026, 12, 20, 10, 0, tzinfo=JST))
    assert _submit(client, application_id).status_code == 302
    with app.test_request_context():
        staff = User(email="reviewer@example.jp", name="審査 太郎", role="reviewer")
        db.session.add(staff)
        operations.return_for_correction(db.session.get(Application, application_id), "直してください。", {},
                                         LAST_DAY, staff, today=date(2026, 12, 20))
        db.session.commit()
    return application_id


def test_a_correction_is_accepted_until_2359_on_its_deadline(app, client, applicant, cohort, make_application,
                                                            complete_content, monkeypatch):
    application_id = _returned(app, client, applicant, cohort, make_application, complete_content, monkeypatch)
    status = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "Deadline: until Sunday 27 December 2026 (the whole day, until 23:59 JST)" in status
    _at(monkeypatch, datetime(2026, 12, 27, 23, 59, 59, tzinfo=JST))
    assert _submit(client, application_id).status_code == 302
    assert _state(app, application_id) == "submitted" and _revisions(app, application_id) == 2


def test_a_correction_after_midnight_following_its_deadline_is_refused(app, client, applicant, cohort,
                                                                      make_application, complete_content,
                                                                      monkeypatch):
    application_id = _returned(app, client, applicant, cohort, make_application, complete_content, monkeypatch)
    _at(monkeypatch, datetime(2026, 12, 28, 0, 1, tzinfo=JST))  # still the 27th in UTC
    response = _submit(client, application_id)
    assert response.headers["Location"].endswith("/steps/confirm")
    assert str(ERRORS["past_deadline"]) in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _state(app, application_id) == "returned" and _revisions(app, application_id) == 1


def test_the_correction_mail_states_the_deadline_as_a_whole_day(app, client, applicant, cohort, make_application,
                                                                complete_content, monkeypatch, mails):
    _returned(app, client, applicant, cohort, make_application, complete_content, monkeypatch)
    body = mails("owner@example.jp")[-1].body  # the owner reads Japanese
    assert "令和8年12月27日（日）" in body and "2026-12-27" not in body
