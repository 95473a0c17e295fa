"""Builders for the review tests: the application fixtures (from tests/applications), staff
members, submitted applications of distinct organisations and staff clients."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from support import login

from portal.core.extensions import db

_spec = importlib.util.spec_from_file_location(
    "review_application_fixtures", Path(__file__).resolve().parent.parent / "applications" / "conftest.py")
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

# The same fixtures as the application tests (a directory's conftest only reaches its own tests).
complete_content = _fixtures.complete_content
make_cohort = _fixtures.make_cohort
applicant = _fixtures.applicant
make_application = _fixtures.make_application

PLACES = {
    "kumamoto": {"postal_code": "8600806", "address": "熊本県熊本市中央区花畑町1-1"},
    "yatsushiro": {"postal_code": "8660862", "address": "熊本県八代市松江城町1-25"},
    "mismatch": {"postal_code": "8660862", "address": "熊本県熊本市中央区花畑町1-1"},  # 熊本市 address, 八代 postal code
}


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", email="reviewer@example.jp", name="審査 一郎")


@pytest.fixture
def secretariat(make_user):
    return make_user("secretariat", email="secretariat@example.jp", name="事務局 花子")


@pytest.fixture
def staff_client(app):
    """staff_client(user_id) -> a test client signed in as that user."""

    def build(user_id: int):
        client = app.test_client()
        login(client, user_id)
        return client

    return build


@pytest.fixture
def make_submitted(app, make_user, make_organisation, make_application, complete_content):
    """make_submitted(cohort_id, name=…, name_kana=…, where="kumamoto", industry="E",
    corporate_number=None, state="submitted") -> application id, of its own organisation.

    `state` may be "draft", "submitted" or "under_review"."""
    from portal.accounts.models import User
    from portal.applications import operations
    from portal.applications.models import Application

    counter = iter(range(1, 100_000))

    def build(cohort_id: int, name: str | None = None, name_kana: str | None = None, where: str = "kumamoto",
              industry: str = "E", corporate_number: str | None = None, state: str = "submitted",
              content: dict | None = None) -> int:
        n = next(counter)
        owner_id = make_user(email=f"owner{n}@example.jp", name=f"申請 {n}")
        fields = {"kind": "corporation" if corporate_number else "group", "corporate_number": corporate_number,
                  "name": name or f"団体{n}", "name_kana": name_kana or f"ダンタイ{n}", "industry": industry,
                  **PLACES[where]}
        make_organisation(owner_id, **fields)
        application_id = make_application(owner_id, cohort_id, content or complete_content())
        if state != "draft":
            with app.test_request_context():
                application = db.session.get(Application, application_id)
                owner = db.session.get(User, owner_id)
                operations.submit_application(application, owner)
                if state == "under_review":
                    operations.start_review(application, owner)
                db.session.commit()
        return application_id

    return build


@pytest.fixture
def load(app):
    """load(application_id) -> the application as stored now (detached, attributes loaded)."""
    from portal.applications.models import Application

    def read(application_id: int):
        with app.app_context():
            application = db.session.get(Application, application_id)
            db.session.refresh(application)
            db.session.expunge(application)
            return application

    return read
