"""A reviewer's recommendation stays internal: the applicant keeps seeing 審査中."""
import pytest

from support import login
from portal.accounts.models import User
from portal.applications import operations
from portal.applications.models import Application
from portal.core.extensions import db


@pytest.fixture
def under_review(app, applicant, make_cohort, make_application, complete_content, make_user):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    reviewer_id = make_user("reviewer")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        operations.submit_application(application, db.session.get(User, applicant[0]))
        operations.start_review(application, db.session.get(User, reviewer_id))
        db.session.commit()
    return application_id, reviewer_id


def test_recommendations_are_not_shown_to_the_applicant(app, client, under_review):
    application_id, reviewer_id = under_review
    with app.test_request_context():
        operations.recommend(db.session.get(Application, application_id), False, db.session.get(User, reviewer_id),
                             "根拠資料が不足しています。")
        db.session.commit()
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "審査中" in page and "登録不可" not in page and "根拠資料" not in page
    staff = app.test_client()
    login(staff, reviewer_id)
    assert "登録不可" in staff.get(f"/applications/{application_id}").get_data(as_text=True)


def test_a_rejection_needs_a_reason_and_only_reviewed_applications_are_recommended(app, under_review):
    application_id, reviewer_id = under_review
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        reviewer = db.session.get(User, reviewer_id)
        with pytest.raises(operations.ApplicationError, match="reason_required"):
            operations.recommend(application, False, reviewer, "  ")
        operations.recommend(application, True, reviewer)
        with pytest.raises(operations.ApplicationError, match="not_under_review"):
            operations.recommend(application, True, reviewer)
        assert application.state == "recommended_approval"
