"""Security baseline: headers, cookies, CSRF, production settings."""
import pytest

from support import csrf_token, login
from portal import create_app


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_flags(client, make_user):
    client.get("/?lang=en")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/healthz", base_url="https://portal.example")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    # Plain HTTP is redirected to HTTPS in production…
    assert app.test_client().get("/login").status_code in (301, 302)
    # …except the health check, which the load balancer asks the app server directly.
    assert app.test_client().get("/healthz").status_code == 200


def test_a_post_without_token_is_refused_with_a_page(client, make_user):
    login(client, make_user())
    response = client.post("/logout")
    assert response.status_code == 400
    assert "ページの有効期限が切れました" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(app, client, make_user):
    other = app.test_client()
    token = csrf_token(other, "/login")
    login(client, make_user())
    assert client.post("/logout", data={"csrf_token": token}).status_code == 400


def test_signing_in_starts_a_new_session(client, make_user):
    from support import login_with_form

    make_user(email="hanako@example.jp")
    client.get("/?lang=en")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login_with_form(client, "hanako@example.jp")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"  # the language choice survives


def test_behind_a_proxy_the_client_address_is_used(tmp_path, monkeypatch):
    from flask import request

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    app.test_client().get("/healthz", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]


def test_the_site_keeps_serving_when_the_rate_limit_store_is_down(tmp_path, monkeypatch):
    """Redis unreachable (nothing listens on port 1): sign-in pages still answer, and the
    throttle still counts, in the worker's memory, until Redis is back."""
    from portal.core.extensions import limiter

    for name, value in vars(limiter).copy().items():  # the suite's app gets its limiter back
        monkeypatch.setattr(limiter, name, value)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    client = app.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    token = csrf_token(client, "/login")
    for attempt in range(11):  # the throttle (10 failures per address) still holds
        answer = client.post("/login", data={"email": "x@example.jp", "password": "wrong", "csrf_token": token})
        assert answer.status_code in (200, 400, 429)
    assert answer.status_code == 429
