"""What a signed-in user is shown is not kept by any cache: pages carry `no-store`, files
`private` (never `public`), and the answers vary with the cookie. Visitors' public pages keep
their caching.

Every GET route of the permission matrix is opened by every signed-in persona allowed to.
"""
import pytest

from support import login
from test_permission_matrix import MATRIX, SIGNED_IN, _url, world  # noqa: F401 (world is a fixture)

PAGES = {"text/html", "application/json"}


def _directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize("persona", sorted(SIGNED_IN))
def test_nothing_a_signed_in_user_is_shown_is_kept_by_a_shared_cache(app, world, persona):
    users, values = world
    client = app.test_client()
    login(client, users[persona])
    failures, files = [], 0
    for endpoint, (method, allowed, _denial) in MATRIX.items():
        if method != "GET" or persona not in allowed:
            continue
        response = client.get(_url(app, endpoint, values))
        directives = _directives(response)
        page = response.mimetype in PAGES and "Content-Disposition" not in response.headers
        if "public" in directives:
            failures.append(f"{endpoint}: public ({response.headers['Cache-Control']})")
        if page and "no-store" not in directives:
            failures.append(f"{endpoint}: a page without no-store ({response.headers.get('Cache-Control')})")
        if not page:
            files += 1
            if "private" not in directives:
                failures.append(f"{endpoint}: a file without private ({response.headers.get('Cache-Control')})")
        if "cookie" not in {v.lower() for v in response.vary}:
            failures.append(f"{endpoint}: no Vary: Cookie")
    assert not failures, f"{persona}: " + "; ".join(failures)
    if persona in ("applicant_a", "secretariat"):
        assert files  # the check saw downloads too, not only pages


def test_a_private_file_is_asked_again_but_not_downloaded_again(app, world):
    """A file for a signed-in user: `private, no-cache` keeps its ETag useful."""
    users, values = world
    client = app.test_client()
    login(client, users["applicant_a"])
    url = _url(app, "support_menus.logo", values)
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    assert first.headers.get("ETag") and "Expires" not in first.headers
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "public" not in again.headers["Cache-Control"]

    # Visitors get the institution's public logo as before.
    visitor = app.test_client().get(url)
    assert "public" in _directives(visitor) and "max-age" in _directives(visitor)


def test_a_views_no_store_on_a_file_stays(app, world):
    users, values = world
    client = app.test_client()
    login(client, users["secretariat"])
    response = client.get(_url(app, "kpi.download", values))
    assert response.headers["Content-Disposition"]
    assert _directives(response) == {"private", "no-store"}


def test_signed_in_pages_are_not_stored_and_the_public_landing_page_keeps_its_caching(app, client, make_user):
    assert "no-store" not in _directives(client.get("/"))
    login(client, make_user())
    account = client.get("/account")
    assert account.status_code == 200 and "no-store" in _directives(account)
    assert "Cookie" in account.vary
    assert "no-store" in _directives(client.get("/"))  # the same page, now made for this user
    redirect = client.get("/organisation")
    assert redirect.status_code == 302 and "no-store" in _directives(redirect)


def test_static_files_keep_their_caching_for_signed_in_users(app, client, make_user):
    login(client, make_user())
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200 and "no-store" not in _directives(response)
