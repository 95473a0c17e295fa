"""Each worker keeps a copy of the signed-in users it loaded (portal.accounts.sessions) under the
`accounts` data generation: a request reads no user row while nothing changed it, and a change
made on another server — a token replaced, a role changed, an account deactivated, a membership
removed — applies on the next request, here as there."""
from __future__ import annotations

from sqlalchemy import delete, update

from support import counted, login
from portal.accounts import sessions
from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.roles import Role
from portal.organisations.models import Membership


def _statements(app, client, path: str) -> list[str]:
    with counted(app) as statements:
        response = client.get(path)
        response.get_data()
    return list(statements)


def _reads_user(statements: list[str]) -> bool:
    return any("FROM users" in s for s in statements)


def _on(server, change) -> None:
    """Commit `change(session)` on `server`, as a request there would."""
    with server.app_context():
        change(db.session)
        db.session.commit()


def test_a_signed_in_request_reads_no_user_row_while_nothing_changed_it(app, client, make_user):
    login(client, make_user("reviewer"))
    assert _reads_user(_statements(app, client, "/account"))  # the first request loads it
    again = _statements(app, client, "/account")
    assert not _reads_user(again), again
    assert client.get("/account").status_code == 200


def test_sessions_ended_on_another_server_end_here_at_once(app, client, second_server, make_user):
    user_id = make_user("reviewer")
    login(client, user_id)
    assert client.get("/staff/").status_code == 200  # kept by this worker now

    _on(second_server, lambda s: sessions.end_all(s.get(User, user_id)))
    response = client.get("/staff/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_role_changed_or_an_account_deactivated_on_another_server_applies_at_once(app, second_server, make_user):
    reviewer, secretary = app.test_client(), app.test_client()
    reviewer_id, secretary_id = make_user("reviewer"), make_user("secretariat")
    login(reviewer, reviewer_id)
    login(secretary, secretary_id)
    assert reviewer.get("/staff/").status_code == 200
    assert secretary.get("/staff/").status_code == 200

    _on(second_server, lambda s: s.execute(update(User).where(User.id == reviewer_id).values(role=Role.APPLICANT)))
    assert reviewer.get("/staff/").status_code == 403
    _on(second_server, lambda s: setattr(s.get(User, secretary_id), "active", False))
    response = secretary.get("/staff/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_membership_removed_on_another_server_applies_at_once(app, client, second_server, make_user,
                                                              make_organisation):
    owner_id = make_user()
    organisation_id = make_organisation(owner_id)
    login(client, owner_id)
    assert client.get("/organisation").headers["Location"].endswith(f"/organisations/{organisation_id}")

    _on(second_server, lambda s: s.execute(delete(Membership).where(Membership.user_id == owner_id)))
    assert client.get("/organisation").headers["Location"].endswith("/organisations/new")


def test_the_copy_is_never_the_request_s_own(app, client, make_user):
    """A request that changes its user changes the copy merged into its session, never the one
    the worker keeps; the change is read back after its commit."""
    user_id = make_user("reviewer", name="旧姓 花子")
    login(client, user_id)
    client.get("/account")
    with app.test_request_context():
        session_id = db.session.get(User, user_id).get_id()
    with app.test_request_context():
        user = sessions.load_user(session_id)
        user.name = "書き換え 途中"
        db.session.rollback()  # nothing committed: the worker's copy must still say the old name
    with app.test_request_context():
        assert sessions.load_user(session_id).name == "旧姓 花子"
        db.session.get(User, user_id).name = "新姓 花子"
        db.session.commit()
    with app.test_request_context():
        assert sessions.load_user(session_id).name == "新姓 花子"
