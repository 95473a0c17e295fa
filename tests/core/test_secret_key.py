"""Production refuses a weak SECRET_KEY — at start-up and in `flask doctor` — and says how to
make a good one; development keeps working with its default key."""
from __future__ import annotations

import pytest

from portal import create_app
from portal.config import DEV_SECRET_KEY, secret_key_problem

GOOD_KEY = "3f9c0a7e5b21d48c96e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6"  # secrets.token_hex(32)
HOW_TO = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """create_app(key) -> an app built from the environment as `flask` and gunicorn build it."""
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'portal.db'}")
    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path / "uploads"))
    monkeypatch.setenv("MAIL_FOLDER", str(tmp_path / "mail"))

    def build(key: str | None, production: bool = True):
        if production:
            monkeypatch.setenv("PORTAL_ENV", "production")
        else:
            monkeypatch.delenv("PORTAL_ENV", raising=False)
        if key is None:
            monkeypatch.delenv("SECRET_KEY", raising=False)
        else:
            monkeypatch.setenv("SECRET_KEY", key)
        return create_app()

    return build


@pytest.mark.parametrize("key, reason", [
    (None, "development default"),
    ("", "development default"),
    ("x", "1 bytes long; production needs at least 32"),
    ("k" * 5 + "Ab3$-x9Qz" + "0123456789abcdef1", "31 bytes long"),
    ("a" * 40, "only 1 different characters"),
    ("abcdefg" * 6, "only 7 different characters"),
    ("0123456789abcdef" * 3, "one short block repeated"),
])
def test_production_refuses_a_weak_key_and_says_how_to_make_one(environment, key, reason):
    with pytest.raises(RuntimeError) as refused:
        environment(key)
    message = str(refused.value)
    assert "SECRET_KEY" in message and reason in message and HOW_TO in message


def test_production_starts_with_a_good_key(environment):
    app = environment(GOOD_KEY)
    assert app.config["PRODUCTION"] and app.config["SECRET_KEY"] == GOOD_KEY
    assert app.test_client().get("/healthz", base_url="https://portal.example").status_code == 200


def test_a_key_of_32_bytes_counts_bytes_not_characters():
    assert secret_key_problem("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6") is None  # 32 ASCII bytes
    assert secret_key_problem("熊本県登録制度秘密鍵火水") is None  # 11 characters, 33 bytes in UTF-8
    assert "30 bytes long" in secret_key_problem("熊本県登録制度秘密鍵")


def test_development_keeps_working_with_its_default_key(environment):
    app = environment(None, production=False)
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert app.test_client().get("/healthz").status_code == 200


def test_doctor_reports_a_weak_key_in_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    monkeypatch.setitem(app.config, "SECRET_KEY", "a" * 40)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if "SECRET_KEY" in line]
    assert line.startswith("PROBLEM SECRET_KEY uses only 1 different characters") and HOW_TO in line

    monkeypatch.setitem(app.config, "SECRET_KEY", GOOD_KEY)
    result = runner.invoke(args=["doctor"])
    assert "ok      SECRET_KEY is set" in result.output


def test_doctor_only_warns_about_a_weak_key_outside_production(runner):
    """The tests' own key ("test-secret-key") is fine locally: doctor says production would refuse it."""
    result = runner.invoke(args=["doctor"])
    [line] = [line for line in result.output.splitlines() if "SECRET_KEY" in line]
    assert line.startswith("ok      fine locally, but production would refuse it: SECRET_KEY is 15 bytes long")
