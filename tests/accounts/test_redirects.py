"""`next` after signing in goes only to a path on this site, however it is disguised, and never
makes a server error."""
import pytest

from support import PASSWORD, csrf_token, login
from portal.core.links import safe_next

# Raw query strings, as an attacker would put them in a link.
OFF_SITE = [
    "//evil.example/",
    "/%09/evil.example",          # the tab is dropped when the Location header is written
    "/%0A/evil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "/%5Cevil.example",           # a backslash: browsers read /\ as //
    "%5C%5Cevil.example",
    "/\\evil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "%2F%2Fevil.example",         # encoded slashes
    "/%2F/evil.example",
    "/%252F/evil.example",        # encoded twice
    "/%25252F%25252Fevil.example",
    "%20//evil.example",
    "evil.example",
    "/%00/x",
    "/%7F",
    "/%C2%85/evil.example",       # NEL, a C1 control character
    "///evil.example",
    "/" + "a" * 2100,
]
ON_SITE = ["/registrants?q=%E7%86%8A%E6%9C%AC&page=2", "/account", "/applications/3/steps/profile"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_leaves_the_site(client, make_user, target):
    make_user(email="hanako@example.jp")
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next={target}", data={"email": "hanako@example.jp", "password": PASSWORD,
                                                          "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/organisation"


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_signed_in_visit_to_the_login_page_never_leaves_the_site(client, make_user, target):
    """Signed in, /login?next=/%0A/x answered 500 (a newline in the Location header)."""
    login(client, make_user(email="hanako@example.jp"))
    response = client.get(f"/login?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/organisation"


@pytest.mark.parametrize("target", ON_SITE)
def test_a_page_on_this_site_is_kept(client, make_user, target):
    make_user(email="hanako@example.jp")
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": target},
                           data={"email": "hanako@example.jp", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == target


def test_the_rule_itself_on_decoded_values(app):
    for target in ("//x", "/\t/x", "/\n/x", "\\\\x", "/%5c/x", "http://x", "", None):
        assert safe_next(target, "/home") == "/home"
    assert safe_next("/registrants?page=2", "/home") == "/registrants?page=2"
