"""Helpers for inquiry tests: ask as a visitor or an account, answer as staff, all over HTTP."""
from __future__ import annotations

import re

import pytest

from support import csrf_token

VISITOR = {"name": "問合 花子", "email": "hanako@example.net", "category": "application",
           "subject": "申請書の書き方について", "body": "重点的な取組は何件書けばよいですか。"}


@pytest.fixture
def ask():
    """ask(client, **fields) -> the answer to posting the question form."""
    def post(client, **fields):
        data = {**VISITOR, **fields}
        data["csrf_token"] = csrf_token(client, "/inquiries/new")
        return client.post("/inquiries/new", data={k: v for k, v in data.items() if v is not None})

    return post


@pytest.fixture
def staff_answer():
    """staff_answer(client, inquiry_id, body, kind="answer", version=None) -> the answer; the
    version is the one the staff page shows unless given."""
    def post(client, inquiry_id, body, kind="answer", version=None):
        page = client.get(f"/staff/inquiries/{inquiry_id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        shown = re.search(r'id="answer-version"[^>]*value="(\d+)"', page).group(1)
        return client.post(f"/staff/inquiries/{inquiry_id}/answer",
                           data={"csrf_token": token, "kind": kind, "body": body,
                                 "version": shown if version is None else version})

    return post


@pytest.fixture
def stored(app):
    """stored() -> (inquiries, messages), detached, oldest first."""
    from portal.core.extensions import db
    from portal.inquiries.models import Inquiry, InquiryMessage

    def read():
        with app.app_context():
            inquiries = db.session.scalars(db.select(Inquiry).order_by(Inquiry.id)).all()
            messages = db.session.scalars(db.select(InquiryMessage).order_by(InquiryMessage.id)).all()
            db.session.expunge_all()
            return inquiries, messages

    return read
