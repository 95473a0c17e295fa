"""Request logs (one structured line per request, with its id, user, status and duration) and
the unhandled errors kept for the system page."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from portal import create_app
from portal.core.extensions import db
from portal.core.observability import KEEP_ERRORS, REQUEST_LOGGER, ErrorEvent, JsonFormatter
from support import login


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == REQUEST_LOGGER]


def test_each_request_writes_one_line_with_its_id_status_duration_and_user(client, make_user, caplog):
    caplog.set_level(logging.INFO, logger="portal")
    anonymous = client.get("/terms")
    user_id = make_user(email="hanako@example.jp")
    login(client, user_id)
    signed_in = client.get("/account")
    missing = client.get("/no-such-page")

    first, second, third = _request_lines(caplog)
    assert (first.method, first.path, first.status, first.user_id) == ("GET", "/terms", 200, None)
    assert (second.path, second.status, second.user_id) == ("/account", 200, user_id)
    assert (third.path, third.status) == ("/no-such-page", 404)
    for record, response in ((first, anonymous), (second, signed_in), (third, missing)):
        assert response.headers["X-Request-ID"] == record.request_id
        assert len(record.request_id) == 32
        assert record.duration_ms >= 0
    assert len({first.request_id, second.request_id, third.request_id}) == 3


def test_a_line_in_json_carries_every_field(client, caplog):
    caplog.set_level(logging.INFO, logger="portal")
    client.get("/terms")
    [record] = _request_lines(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == REQUEST_LOGGER and line["level"] == "INFO"
    assert line["message"] == "GET /terms 200"
    assert {key: line[key] for key in ("method", "path", "status")} == {"method": "GET", "path": "/terms", "status": 200}
    assert line["request_id"] == record.request_id
    assert isinstance(line["duration_ms"], float) and line["bytes"] > 0
    assert line["time"].endswith("+00:00")


def test_the_proxys_request_id_is_used_only_behind_a_trusted_proxy(tmp_path):
    database = f"sqlite:///{tmp_path / 'p.db'}"
    direct = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database})
    behind = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database, "TRUSTED_PROXIES": 1})
    given = {"X-Request-ID": "nginx-4f2a9c"}
    assert direct.test_client().get("/healthz", headers=given).headers["X-Request-ID"] != "nginx-4f2a9c"
    assert behind.test_client().get("/healthz", headers=given).headers["X-Request-ID"] == "nginx-4f2a9c"
    # Not something to write into a log line as it is.
    forged = behind.test_client().get("/healthz", headers={"X-Request-ID": "a b=c"}).headers["X-Request-ID"]
    assert forged != "a b=c" and len(forged) == 32


@pytest.fixture
def failing_page(app, monkeypatch):
    """/terms fails with an unhandled error; the app answers with its 500 page."""
    import portal.core.views

    def broken(*args, **kwargs):
        raise RuntimeError("the template store is unreachable\nsecond line with details")

    monkeypatch.setattr(portal.core.views, "render_template", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def test_an_unhandled_error_is_kept_with_its_request_id_shown_to_the_user(app, client, make_user, failing_page,
                                                                          caplog):
    caplog.set_level(logging.INFO, logger="portal")
    user_id = make_user()
    login(client, user_id)
    response = client.get("/terms")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    page = response.get_data(as_text=True)
    assert f'<code id="request-id">{request_id}</code>' in page
    assert "事務局へお問い合わせの際は、次の番号をお伝えください" in page

    with app.app_context():
        [event] = db.session.scalars(select(ErrorEvent)).all()
    assert (event.request_id, event.method, event.path, event.user_id) == (request_id, "GET", "/terms", user_id)
    assert event.error_type == "builtins.RuntimeError"
    assert event.message == "the template store is unreachable"  # the first line only
    # The traceback is logged under the same id.
    [logged] = [r for r in caplog.records if r.name == "portal" and r.exc_info]
    assert logged.request_id == request_id
    assert [r.status for r in _request_lines(caplog)] == [500]


def test_an_error_after_a_write_is_kept_and_the_write_is_not(app, client, make_user, monkeypatch):
    """The request wrote (and so, on SQLite, holds the write lock) before it failed: the error
    is still kept, on its own connection, and the half-done change is rolled back."""
    import portal.core.views
    from portal.accounts.models import User

    user_id = make_user(email="before@example.jp")

    def write_then_fail(*args, **kwargs):
        db.session.get(User, user_id).name = "half-done"
        db.session.flush()
        raise RuntimeError("failed after a write")

    monkeypatch.setattr(portal.core.views, "render_template", write_then_fail)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert client.get("/terms").status_code == 500
    with app.app_context():
        assert db.session.scalars(select(ErrorEvent.message)).all() == ["failed after a write"]
        assert db.session.get(User, user_id).name != "half-done"


def test_only_the_newest_errors_are_kept(app, client, failing_page, monkeypatch):
    import portal.core.observability

    monkeypatch.setattr(portal.core.observability, "KEEP_ERRORS", 3)
    ids = [client.get("/terms").headers["X-Request-ID"] for _ in range(5)]
    with app.app_context():
        kept = db.session.scalars(select(ErrorEvent.request_id).order_by(ErrorEvent.id)).all()
    assert kept == ids[-3:]
    assert KEEP_ERRORS == 500  # the setting itself is untouched


def test_an_error_page_is_served_even_when_the_error_cannot_be_kept(app, client, failing_page, monkeypatch):
    import portal.core.observability

    class Unreachable:
        def begin(self):
            raise OSError("database unreachable")

    monkeypatch.setattr(portal.core.observability, "db", type("DB", (), {"engine": Unreachable()})())
    response = client.get("/terms")
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)
