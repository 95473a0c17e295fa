"""Pages kept under data generations (portal.core.page_cache): made once, served to everyone in
their own frame, and made again the moment a write — on any server, single or in bulk — changes
what they show. Two app instances on one database stand for two servers behind the balancer."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from flask import template_rendered
from sqlalchemy import select, update
from support import counted, login, require_or_skip

from portal import create_app
from portal.core import page_cache
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.demo.historical import historical_rows
from portal.organisations.models import Organisation
from portal.registrations.importer import import_rows
from portal.registrations.models import Registration

RECENT = today_jst() - timedelta(days=30)


def _import(app, total: int, cohort: int, in_city: int | None = None) -> None:
    with app.test_request_context():
        import_rows(historical_rows(total, total if in_city is None else in_city, cohort), cohort, RECENT)
        db.session.commit()


def _get(client, path: str, status: int = 200):
    response = client.get(path)
    assert response.status_code == status, path
    return response.headers.get("X-Page-Cache"), response.get_data(as_text=True)


def _rename_first(app, name: str) -> str:
    """Rename the first registrant's organisation, as a change notice accepted would; its number."""
    with app.test_request_context():
        registration = db.session.scalars(select(Registration).order_by(Registration.id)).first()
        registration.organisation.name = name
        db.session.commit()
        return registration.number


def test_a_kept_page_is_made_once_and_served_to_everyone_in_their_own_frame(app, client, make_user):
    _import(app, 30, 1)
    assert _get(client, "/registrants?page=2")[0] == "miss"
    state, visitor = _get(client, "/registrants?page=2")
    assert state == "hit"

    reviewer = app.test_client()
    login(reviewer, make_user("reviewer"))
    state, signed_in = _get(reviewer, "/registrants?page=2")
    assert state == "hit"  # the same content, kept once for everyone
    content = visitor[visitor.index('<main'):visitor.index('</main>')]
    assert content == signed_in[signed_in.index('<main'):signed_in.index('</main>')]
    assert "Sign out" in signed_in or "ログアウト" in signed_in
    assert "ログアウト" not in visitor and "Sign out" not in visitor
    assert "csrf-placeholder" not in signed_in and "\x00" not in signed_in


def test_a_kept_page_costs_one_statement_the_data_generations(app, client, make_user):
    _import(app, 30, 1)
    reviewer = app.test_client()
    login(reviewer, make_user("reviewer"))
    for browser in (client, reviewer):
        _get(browser, "/registrants?q=株式会社&page=2")
        rendered = []
        with counted(app) as statements, template_rendered.connected_to(
                lambda sender, template, context, **extra: rendered.append(template.name), app):
            assert _get(browser, "/registrants?q=株式会社&page=2")[0] == "hit"
        # The footer's contact blocks are kept too, and the worker's copy of the signed-in user:
        # no statement reads the register, the blocks or the user's row.
        assert len(statements) == 1 and "FROM generations" in statements[0], statements
        assert rendered == []  # the whole page is kept, the frame with it


def _menu(body: str) -> str:
    return body[body.index('<nav class="header-nav"'):body.index("</nav>")]


def _sign_out_token(body: str) -> str:
    menu = _menu(body)
    return menu[menu.index('name="csrf_token" value="') + 25:].split('"', 1)[0]


def test_the_whole_page_is_kept_for_each_menu_with_the_asker_s_own_token(app, client, make_user):
    """The frame is kept with the page, once per menu (a visitor's, an applicant's, staff's, the
    city's): each asker gets their own menu, and their own CSRF token in its sign-out form."""
    _import(app, 5, 1)
    menus, tokens = {}, {}
    for role in (None, "applicant", "reviewer", "reviewer", "city"):
        browser = app.test_client()
        if role:
            login(browser, make_user(role))
        _get(browser, "/registrants")
        state, body = _get(browser, "/registrants")
        assert state == "hit" and "csrf-placeholder" not in body
        menus.setdefault(role, set()).add(_menu(body).split('<form', 1)[0])
        if role:
            tokens[browser] = _sign_out_token(body)
            assert browser.post("/logout", data={"csrf_token": tokens[browser]}).status_code == 302
            assert _get(browser, "/registrants")[1].count("/login") >= 1  # signed out: the visitor's menu
    assert all(len(found) == 1 for found in menus.values())  # one menu per role, whoever asks
    assert len({next(iter(found)) for found in menus.values()}) == 4
    assert "/organisation\"" in next(iter(menus["applicant"])) and "/staff/" in next(iter(menus["reviewer"]))
    assert "/city/" in next(iter(menus["city"])) and "/login" in next(iter(menus[None]))
    assert len(set(tokens.values())) == 4  # every session its own token


def test_a_message_shows_once_on_a_kept_page(app, client, make_user):
    _import(app, 5, 1)
    login(client, make_user("reviewer"))
    _get(client, "/registrants")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "保存しました。")]
    state, body = _get(client, "/registrants")
    assert state == "hit" and "保存しました。" in body  # the content kept, the frame this request's own
    state, body = _get(client, "/registrants")
    assert state == "hit" and "保存しました。" not in body


def test_a_contact_block_saved_shows_at_once_in_every_footer(app, second_server, make_user):
    from dataclasses import asdict

    from portal.accounts.models import User
    from portal.contacts import operations
    from portal.contacts.blocks import FIELDS, contact

    browser = second_server.test_client()
    assert "096-111-2222" not in _get(browser, "/registrants")[1]
    secretariat = make_user("secretariat")
    with app.test_request_context():
        shown = asdict(contact("prefecture"))
        operations.save_block("prefecture", {**{name: shown[name] for name in FIELDS}, "phone": "096-111-2222"},
                              db.session.get(User, secretariat))
        db.session.commit()
    state, body = _get(browser, "/registrants")
    assert state == "hit" and "096-111-2222" in body  # the page is the register's; its footer is new


@pytest.mark.parametrize("page", ["directory", "registrant"])
def test_a_write_on_one_server_shows_at_once_on_the_other(app, second_server, page):
    _import(app, 5, 1)
    with app.app_context():
        number = db.session.scalars(select(Registration.number).order_by(Registration.id)).first()
    path = "/registrants" if page == "directory" else f"/registrants/{number}"
    browser = second_server.test_client()
    _get(browser, path)
    assert _get(browser, path)[0] == "hit"

    _rename_first(app, "株式会社改名後")  # committed on the first server

    state, body = _get(browser, path)
    assert state == "miss" and "株式会社改名後" in body


def test_a_bulk_write_bumps_the_generation_too(app, second_server):
    """An import (bulk inserts) and a bulk UPDATE, each on the first server."""
    _import(app, 5, 1)
    browser = second_server.test_client()
    _get(browser, "/registrants")
    assert "KS02-0001" not in _get(browser, "/registrants")[1]
    _import(app, 3, 2)
    state, body = _get(browser, "/registrants?cohort=2")
    assert state == "miss" and "KS02-0001" in body

    _get(browser, "/registrants?cohort=2")
    with app.test_request_context():
        db.session.execute(update(Organisation).values(name="一括改名の会"))
        db.session.commit()
    state, body = _get(browser, "/registrants?cohort=2")
    assert state == "miss" and body.count("一括改名の会") == 3


def test_the_kpi_report_follows_a_new_registration_on_another_server(app, second_server, make_user):
    _import(app, 10, 1, in_city=6)
    browser = second_server.test_client()
    login(browser, make_user("secretariat"))
    _get(browser, "/staff/kpi/?lang=en")
    _get(browser, "/staff/kpi/")
    state, before = _get(browser, "/staff/kpi/")
    assert state == "hit" and 'id="active-in-city">6' in before
    _import(app, 4, 2, in_city=4)
    state, after = _get(browser, "/staff/kpi/")
    assert state == "miss" and 'id="active-in-city">10' in after
    # The files share the report kept for the page.
    assert browser.get("/staff/kpi/report.json").get_json()["active_in_city"] == 10


def test_the_day_is_part_of_the_key(app, client, monkeypatch):
    """Registrations lapse at midnight without a write: a page kept yesterday is not today's."""
    _import(app, 3, 1)
    _get(client, "/registrants")
    assert _get(client, "/registrants")[0] == "hit"
    monkeypatch.setattr(page_cache, "today_jst", lambda: today_jst() + timedelta(days=1))
    assert _get(client, "/registrants")[0] == "miss"


def test_what_is_never_kept(app, client):
    _import(app, 3, 1)
    for _ in range(2):
        state, _body = _get(client, "/registrants/KS09-0001", status=404)  # an answer for this address alone
        assert state is None
        state, _body = _get(client, "/registrants?lang=en")  # it sets the language of the session
        assert state is None


def test_a_page_cache_that_fails_never_fails_the_page(app, caplog):
    broken = create_app({**_config(app), "PAGE_CACHE_URL": "redis://127.0.0.1:1/0"})
    try:
        _import(app, 3, 1)
        browser = broken.test_client()
        states = []
        for _ in range(2):
            state, body = _get(browser, "/registrants")
            states.append(state)
            assert "KS01-0001" in body
        # Made, then served from the worker's own recent copies while Redis is away.
        assert states == ["miss", "hit"] and "page cache: writing failed" in caplog.text
    finally:
        _dispose(broken)


def _config(app) -> dict:
    return {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "MAIL_FOLDER",
                                             "UPLOAD_FOLDER", "PORTAL_BASE_URL", "RATELIMIT_STORAGE_URI")}


def _dispose(server) -> None:
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping())
    except redis.RedisError:
        return False


def test_servers_sharing_redis_share_the_kept_pages_and_see_writes_at_once(app):
    require_or_skip(_redis_answers(), "Redis does not answer at 127.0.0.1:6379")
    shared = {**_config(app), "PAGE_CACHE_URL": "redis://127.0.0.1:6379/0",
              "PAGE_CACHE_PREFIX": f"portal-test-{uuid.uuid4().hex}:"}
    servers = [create_app(shared), create_app(shared)]
    try:
        _import(app, 5, 1)
        one, two = (server.test_client() for server in servers)
        assert _get(one, "/registrants")[0] == "miss"
        assert _get(two, "/registrants")[0] == "hit"  # kept by the other server
        _rename_first(app, "株式会社共有後")
        state, body = _get(two, "/registrants")
        assert state == "miss" and "株式会社共有後" in body
        assert _get(one, "/registrants")[0] == "hit"
    finally:
        for server in servers:
            with server.app_context():
                page_cache.clear()
            _dispose(server)


def test_page_cache_clear_drops_every_kept_page(app, client, runner):
    """After pg_restore the data generations go back: `flask page-cache clear` drops the pages
    kept since (`flask restore` does the same itself)."""
    _import(app, 3, 1)
    _get(client, "/registrants")
    assert _get(client, "/registrants")[0] == "hit"
    result = runner.invoke(args=["page-cache", "clear"])
    assert result.exit_code == 0 and "cleared" in result.output
    assert _get(client, "/registrants")[0] == "miss"
