"""Numbers people (or attackers) type into URLs never make a server error: an id beyond what an
INTEGER column holds is a page that does not exist, and odd query values ("²", 24 digits) are
ignored — on every GET route of the permission matrix, for the persona allowed to open it."""
import pytest

from support import login
from test_permission_matrix import MATRIX, OVERRIDES, _url, world  # noqa: F401  (world is a fixture)

ODD_VALUES = ["²", "1" * 24, "-1", "1e3", "０１"]
QUERY_NAMES = ["cohort", "reviewer", "year", "institution", "page", "goal", "status", "fee", "quarter", "as_of",
               "municipality", "industry", "target", "q"]


def _persona_for(allowed: set[str]) -> str:
    for persona in ("secretariat", "applicant_a", "partner_x", "reviewer", "anonymous"):
        if persona in allowed:
            return persona
    return sorted(allowed)[0]


def _get_routes(app):
    for endpoint, (method, allowed, _denial) in MATRIX.items():
        if method == "GET":
            yield endpoint, _persona_for(allowed)


def test_an_id_beyond_an_integer_column_is_not_found(app, world):
    users, values = world
    failures = []
    for endpoint, persona in _get_routes(app):
        rule = next(app.url_map.iter_rules(endpoint))
        int_args = [name for name, converter in rule._converters.items() if type(converter).__name__ ==
                    "BoundedIntegerConverter"]
        if not int_args:
            continue
        huge = {**values, **{name: 10**24 for name in int_args}}
        client = app.test_client()
        if persona != "anonymous":
            login(client, users[persona])
        with app.test_request_context():
            from flask import url_for

            try:
                url = url_for(endpoint, **{arg: huge.get(arg, values.get(arg)) for arg in rule.arguments})
            except Exception:  # the converter refuses to build it: it can only be typed by hand
                url = None
        if url is None:
            url = _url(app, endpoint, values)
            for name in int_args:
                url = url.replace(f"/{values.get(OVERRIDES.get(endpoint, {}).get(name, name), values.get(name))}",
                                  "/" + "9" * 24, 1)
        response = client.get(url)
        if response.status_code != 404:
            failures.append(f"{endpoint} {url} → {response.status_code}")
    assert not failures, "; ".join(failures)


@pytest.mark.parametrize("odd", ODD_VALUES)
def test_odd_query_values_never_make_a_server_error(app, world, odd):
    users, values = world
    failures = []
    for endpoint, persona in _get_routes(app):
        client = app.test_client()
        if persona != "anonymous":
            login(client, users[persona])
        url = _url(app, endpoint, values)
        query = "&".join(f"{name}={odd}" for name in QUERY_NAMES)
        response = client.get(f"{url}{'&' if '?' in url else '?'}{query}")
        if response.status_code >= 500:
            failures.append(f"{endpoint} → {response.status_code}")
    assert not failures, "; ".join(failures)


def test_ticked_boxes_with_odd_values_never_make_a_server_error(app, world):
    from support import csrf_token

    users, values = world
    client = app.test_client()
    login(client, users["secretariat"])
    token = csrf_token(client, "/staff/logos/")
    for odd in ODD_VALUES:
        response = client.post("/staff/logos/approve", data={"csrf_token": token, "permit": [odd, str(values["permit_id"])],
                                                             f"version-{values['permit_id']}": odd})
        assert response.status_code < 500, odd
