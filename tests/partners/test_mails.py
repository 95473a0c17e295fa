"""The supporting institutions' users hear when an organisation they support is registered (in
the cohort decision's mail step) and when its term nears its end (with the term reminders): one
mail per user listing their organisations, built in bulk; never about an organisation that does
not consent to their institution."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from partner_support import TODAY, revoke
from support import counted, minimal_content
from portal.accounts.models import User
from portal.core.extensions import db


@pytest.fixture
def decide(app, make_user, organisation):
    """decide(names_and_consents) -> the mails queued by deciding a cohort in which each named
    organisation applied (real path: submitted, reviewed, recommended for approval)."""
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import Cohort, CohortState
    from portal.organisations.models import Organisation

    reviewer_id = make_user("reviewer")
    content = minimal_content(13)

    def run(organisations: dict[str, tuple[str, ...]], number: int = 7, count_queries: bool = False):
        built = {name: organisation(name, consents=consents) for name, consents in organisations.items()}
        withdrawn = [name for name, consents in organisations.items() if "withdrawn" in consents]
        with app.test_request_context():
            now = datetime.now(UTC)
            cohort = cohorts.plan_cohort(number, now - timedelta(days=10), now + timedelta(days=10))
            cohorts.move_cohort(cohort, CohortState.OPEN)
            reviewer = db.session.get(User, reviewer_id)
            for name, item in built.items():
                owner = db.session.get(User, item.owner_id)
                application = applications.start_application(db.session.get(Organisation, item.organisation_id),
                                                             cohort, owner)
                for key, value in content.items():
                    applications.save_section(application, key, value, owner)
                applications.submit_application(application, owner)
                applications.start_review(application, reviewer)
                applications.recommend(application, True, reviewer, "")
            cohorts.move_cohort(cohort, CohortState.CLOSED)
            db.session.commit()
            cohort_id = cohort.id
        for name in withdrawn:
            revoke(app, built[name].organisation_id, "bank-a")

        def act():
            with app.test_request_context():
                secretariat = User(email=f"s-{uuid.uuid4().hex}@example.jp", name="事務局", role="secretariat")
                db.session.add(secretariat)
                cohorts.decide_cohort(db.session.get(Cohort, cohort_id), date(2026, 12, 20), secretariat)
                db.session.commit()

        if count_queries:
            # The mails are sent when the outer context ends: only the decision is counted.
            with app.app_context(), counted(app) as statements:
                act()
            return len(statements)
        act()
        return built

    return run


def test_a_decision_tells_each_institution_user_about_its_registered_organisations(app, decide, partner, mails):
    a1, a2, b1 = partner("bank-a"), partner("bank-a"), partner("bank-b")
    inactive = partner("bank-a")
    with app.app_context():
        db.session.get(User, inactive).active = False
        db.session.commit()
        emails = {key: db.session.get(User, user).email for key, user in
                  (("a1", a1), ("a2", a2), ("b1", b1), ("inactive", inactive))}
    decide({"両行支援株式会社": ("bank-a", "bank-b"), "エー支援合同会社": ("bank-a",), "ビー支援有限会社": ("bank-b",),
            "撤回後登録株式会社": ("bank-a", "withdrawn"), "支援なし株式会社": ()})

    [to_a1] = mails(to=emails["a1"])
    assert to_a1.subject == "[Kumamoto Prefecture SDGs Registration System] Organisations you support were registered (Cohort 7)"
    assert "両行支援株式会社" in to_a1.body and "エー支援合同会社" in to_a1.body
    assert "ビー支援有限会社" not in to_a1.body and "撤回後登録株式会社" not in to_a1.body
    assert "支援なし株式会社" not in to_a1.body
    assert "http://portal.test/partner/organisations/" in to_a1.body
    [to_a2] = mails(to=emails["a2"])
    assert "両行支援株式会社" in to_a2.body and "エー支援合同会社" in to_a2.body
    [to_b1] = mails(to=emails["b1"])
    assert "両行支援株式会社" in to_b1.body and "ビー支援有限会社" in to_b1.body and "エー支援合同会社" not in to_b1.body
    assert mails(to=emails["inactive"]) == []


def test_the_decision_costs_the_same_queries_with_few_or_many_supported_organisations(app, decide, partner):
    partner("bank-a"), partner("bank-a"), partner("bank-b")
    few = decide({f"少{i}": ("bank-a",) for i in range(2)}, number=7, count_queries=True)
    many = decide({f"多{i}": ("bank-a", "bank-b") for i in range(15)}, number=8, count_queries=True)
    assert few == many


def test_term_reminders_tell_the_institutions_too(app, partner, organisation, mails):
    from portal.registrations.operations import send_term_reminders

    a1, b1 = partner("bank-a"), partner("bank-b")
    ending = organisation("期限間近株式会社", consents=("bank-a",), status="ending")
    organisation("他行の期限間近", consents=("bank-b",), status="ending")
    organisation("まだ先株式会社", consents=("bank-a",), status="registered")
    withdrawn = organisation("撤回した期限間近", consents=("bank-a",), status="ending")
    revoke(app, withdrawn.organisation_id, "bank-a")
    with app.test_request_context():
        emails = {user: db.session.get(User, user).email for user in (a1, b1)}
        result = send_term_reminders(TODAY)
        db.session.commit()
    assert result.six_months == 3  # the registrants' own reminders are unchanged
    [to_a1] = mails(to=emails[a1])
    assert to_a1.subject == "[Kumamoto Prefecture SDGs Registration System] The registration of organisations you support ends within six months"
    assert "期限間近株式会社" in to_a1.body and "KS09-" in to_a1.body
    assert "他行の期限間近" not in to_a1.body and "撤回した期限間近" not in to_a1.body
    assert "まだ先株式会社" not in to_a1.body
    assert "http://portal.test/partner/?status=ending" in to_a1.body
    [to_b1] = mails(to=emails[b1])
    assert "他行の期限間近" in to_b1.body and "期限間近株式会社" not in to_b1.body
    assert ending
    # A second run the same day sends nothing again.
    with app.test_request_context():
        send_term_reminders(TODAY)
        db.session.commit()
    assert len(mails(to=emails[a1])) == 1


def test_a_partner_user_gets_mail_in_their_language(app, partner, organisation, mails):
    from portal.registrations.operations import send_term_reminders

    user = partner("bank-a")
    organisation("期限間近株式会社", consents=("bank-a",), status="ending")
    with app.test_request_context():
        partner_user = db.session.get(User, user)
        partner_user.locale = "ja"
        email = partner_user.email
        db.session.commit()
        send_term_reminders(TODAY)
        db.session.commit()
    [mail] = mails(to=email)
    assert mail.locale == "ja" and "期限間近株式会社" in mail.body
