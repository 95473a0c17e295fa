"""/healthz: 200 while the database answers, 503 (with a plain JSON body) when it does not."""
from __future__ import annotations

from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.core.extensions import db


def test_healthz_is_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "OperationalError"}


def test_healthz_is_503_when_the_database_server_is_unreachable(tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_FOLDER": str(tmp_path / "mail"),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    })
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "error"
        assert body["database"] == "OperationalError"
        assert "nobody" not in response.get_data(as_text=True)  # no connection details leak
    finally:
        with app.app_context():
            db.engine.dispose()
