"""Consent from the organisation's page: choosing more institutions (audited, effective at once),
withdrawing (the existing action), and the application's step agreeing with both."""
from __future__ import annotations

import re

import pytest

from partner_support import client_for
from support import csrf_token
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.partners.models import PartnerConsent


@pytest.fixture
def owner(app, partner, organisation):
    partner_a, partner_b = partner("bank-a"), partner("bank-b")
    built = organisation("選ぶ株式会社", consents=())
    return built, partner_a, partner_b


def _ids(app, *codes):
    from portal.partners.models import PartnerInstitution

    with app.app_context():
        return [db.session.scalar(db.select(PartnerInstitution.id).where(PartnerInstitution.code == c)) for c in codes]


def test_an_organisation_chooses_an_institution_from_its_page(app, owner):
    built, partner_a, partner_b = owner
    bank_a, bank_b = _ids(app, "bank-a", "bank-b")
    client = client_for(app, built.owner_id)
    page = f"/organisations/{built.organisation_id}"
    html = client.get(page).get_data(as_text=True)
    assert 'id="consent-form"' in html and "No supporting institution can see your information." in html
    partner_client = client_for(app, partner_a)
    assert partner_client.get(f"/partner/organisations/{built.organisation_id}").status_code == 404

    token = csrf_token(client, page)
    # Without the consent box: a clear message, nothing granted.
    refused = client.post(f"{page}/consents", data={"csrf_token": token, "institutions": [bank_a]})
    assert refused.status_code == 200 and "Consent is needed to share your information." in refused.get_data(
        as_text=True)
    nothing = client.post(f"{page}/consents", data={"csrf_token": token, "consent": "y"})
    assert "Choose at least one institution." in nothing.get_data(as_text=True)
    bogus = client.post(f"{page}/consents", data={"csrf_token": token, "consent": "y", "institutions": ["999"]})
    assert bogus.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PartnerConsent)) == 0

    response = client.post(f"{page}/consents", data={"csrf_token": token, "consent": "y", "institutions": [bank_a]})
    assert response.status_code == 302 and response.headers["Location"].endswith("#partners")
    assert partner_client.get(f"/partner/organisations/{built.organisation_id}").status_code == 200
    assert client_for(app, partner_b).get(f"/partner/organisations/{built.organisation_id}").status_code == 404
    html = client.get(page).get_data(as_text=True)
    assert "bank-a can now see your application and registration." in html
    assert "Withdraw consent for bank-a" in html
    # Only the institutions not chosen yet are offered.
    assert f'value="{bank_a}"' not in html.split('id="consent-form"')[1] and f'value="{bank_b}"' in html
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "partner_consent.granted"))
        assert entry.actor_id == built.owner_id and entry.changes == {"institution_id": bank_a}


def test_only_members_choose_institutions(app, owner, make_user):
    built, partner_a, _partner_b = owner
    [bank_a] = _ids(app, "bank-a")
    for user in (make_user(locale="en"), partner_a, make_user("secretariat")):
        client = client_for(app, user)
        token = csrf_token(client, "/account")
        response = client.post(f"/organisations/{built.organisation_id}/consents",
                               data={"csrf_token": token, "consent": "y", "institutions": [bank_a]})
        assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PartnerConsent)) == 0


def test_withdrawing_on_the_page_is_effective_at_once(app, partner, organisation):
    partner_a = partner("bank-a")
    built = organisation("撤回する株式会社", consents=("bank-a",), status="registered")
    client = client_for(app, built.owner_id)
    page = f"/organisations/{built.organisation_id}"
    with app.app_context():
        consent_id = db.session.scalar(db.select(PartnerConsent.id))
    response = client.post(f"{page}/consents/{consent_id}/revoke", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert client_for(app, partner_a).get(f"/partner/organisations/{built.organisation_id}").status_code == 404


def test_the_application_step_shows_the_consents_of_now(app, partner, make_user, make_organisation):
    """A consent withdrawn (or given) on the organisation page is what the application's step
    shows: saving the step unchanged neither grants it again nor withdraws the new one."""
    from datetime import UTC, datetime, timedelta

    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.partners import operations as partners

    partner("bank-a"), partner("bank-b")
    bank_a, bank_b = _ids(app, "bank-a", "bank-b")
    owner_id = make_user(locale="en")
    organisation_id = make_organisation(owner_id)
    with app.test_request_context():
        now = datetime.now(UTC)
        cohort = cohorts.plan_cohort(5, now - timedelta(days=1), now + timedelta(days=10))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        owner = db.session.get(User, owner_id)
        application = applications.start_application(owner.organisation, cohort, owner)
        applications.save_section(application, "partners", {"institutions": [bank_a], "consent": True}, owner)
        partners.set_consents(owner.organisation, {bank_a}, owner, application)
        db.session.commit()
        application_id = application.id
        # Later, on the organisation page: bank-a withdrawn, bank-b chosen.
        [consent] = partners.live_consents(organisation_id)
        partners.revoke_consent(consent, owner)
        partners.grant_consents(owner.organisation, {bank_b}, owner)
        db.session.commit()

    client = client_for(app, owner_id)
    step = f"/applications/{application_id}/steps/partners"
    html = client.get(step).get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="institutions"[^>]*>', html)
    checked = [int(re.search(r'value="(\d+)"', box).group(1)) for box in boxes if " checked" in box]
    assert len(boxes) == 2 and checked == [bank_b]
    # Saving the step as shown keeps exactly that.
    response = client.post(step, data={"csrf_token": csrf_token(client, step), "institutions": [bank_b],
                                       "consent": "y"})
    assert response.status_code == 302
    with app.app_context():
        live = db.session.scalars(db.select(PartnerConsent.institution_id).where(
            PartnerConsent.organisation_id == organisation_id, PartnerConsent.revoked_at.is_(None))).all()
        assert live == [bank_b]
