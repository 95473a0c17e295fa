"""The harness itself: axe-core runs under the site's CSP and fails on serious violations,
sideways scrolling is caught, and mailed links lead to the live server."""
from __future__ import annotations

import pytest

from .conftest import assert_no_sideways_scrolling, expect, label

pytestmark = pytest.mark.browser


def test_axe_runs_under_the_sites_csp_and_fails_on_a_serious_violation(page, axe):
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    axe(page)  # the real page passes

    # An unlabelled text field is a "critical" violation (rule "label").
    page.evaluate("() => document.querySelector('main').append(document.createElement('input'))")
    with pytest.raises(pytest.fail.Exception, match=r"\[critical\] label: .*\n    input\n        <input>"):
        axe(page)


def test_sideways_scrolling_is_caught(phone_page):
    phone_page.goto("/")
    assert_no_sideways_scrolling(phone_page)
    phone_page.evaluate("""() => {
        const wide = document.createElement("div");
        wide.style.width = "600px";
        wide.textContent = "wide";
        document.querySelector("main").append(wide);
    }""")
    with pytest.raises(pytest.fail.Exception, match="scrolls sideways at 390px"):
        assert_no_sideways_scrolling(phone_page)


def test_mailed_links_lead_to_the_live_server(app, live_server, make_user, mails, page):
    assert app.config["PORTAL_BASE_URL"] == live_server.url
    make_user(email="forgetful@example.jp")
    page.goto("/password/forgot")
    page.get_by_label(label("メールアドレス")).fill("forgetful@example.jp")
    page.get_by_role("button", name="リンクを送信").click()
    expect(page.get_by_role("heading", level=1, name="メールを確認してください")).to_be_visible()

    page.goto(live_server.link_in(mails(to="forgetful@example.jp")[-1].body))
    expect(page.get_by_label(label("新しいパスワード"))).to_be_visible()
