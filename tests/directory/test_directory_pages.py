"""The public directory and the registrant pages, as the public reads them: who is listed, the
search (kana, width, numbers), each filter, pagination, arguments that make no sense, and a
registrant's own page with its key actions."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from directory_data import LISTED, RECENT, TODAY, numbers_on, page_text
from pages import structure_problems, words

from portal.core.extensions import db
from portal.core.reference import sdgs
from portal.core.japanese import wareki, wareki_with_western
from portal.demo.historical import historical_rows
from portal.registrations import operations as registrations
from portal.registrations.terms import term_end


def _numbers(client, query: str = "") -> list[str]:
    response = client.get("/registrants" + query)
    assert response.status_code == 200, query
    return numbers_on(page_text(response))


def test_the_directory_lists_the_active_listed_registrants(client, registrants):
    response = client.get("/registrants?lang=en")
    html = page_text(response)
    assert response.status_code == 200
    assert structure_problems(html) == []
    assert numbers_on(html) == LISTED  # registration-number order; KS01-0001 has expired
    assert "10 registered organisations" in html
    card = html[html.index('id="registrant-KS02-0001"'):html.index('id="registrant-KS02-0002"')]
    assert "くまもと水と森の会" in card and "クマモトミズトモリノカイ" in card
    assert "Kumamoto City Chuo Ward" in card and "R " in card
    assert [int(n) for n in re.findall(r'sdg-chip sdg-chip-(\d+)', card)] == [6, 13, 15]
    assert 'href="/registrants/KS02-0001"' in card
    # Japanese by default, with the names of places and industries in Japanese.
    html = page_text(client.get("/registrants?lang=ja"))
    assert "熊本市中央区" in html and "鹿本郡植木町" not in html and "熊本市北区" in html
    assert structure_problems(html) == []


def test_ended_registrants_are_not_shown_anywhere(app, client, registrants, registration, staff_user,
                                                  make_user):
    with app.test_request_context():
        registrations.withdraw_registration(registration("KS03-0002"), staff_user(), "事業を終了したため")
        registrations.revoke_registration(registration("KS03-0003"), staff_user(), "要件を満たさなくなったため")
        registrations.withdraw_registration(registration("KS03-0004"), staff_user(), "")
        db.session.commit()
    hidden = {"KS01-0001": "球磨古民家", "KS03-0002": "有明リサイクル", "KS03-0003": "火の国不動産",
              "KS03-0004": "江津クリーニング"}
    shown = [n for n in LISTED if n not in hidden]

    assert _numbers(client) == shown
    for number, name in hidden.items():
        assert client.get(f"/registrants/{number}").status_code == 404
        assert _numbers(client, f"?q={name}") == []
        assert _numbers(client, f"?q={number}") == []
    assert _numbers(client, "?cohort=3") == ["KS03-0001"]
    assert _numbers(client, "?cohort=1") == []
    csv_text = client.get("/opendata/registrants.csv").get_data(as_text=True)
    json_numbers = [r["registration_number"] for r in client.get("/opendata/registrants.json").get_json()["registrants"]]
    assert json_numbers == shown
    for number in hidden:
        assert number not in csv_text
    # The verification page still answers for them: that is where their status is told.
    assert client.get("/verify/KS03-0002").status_code == 200


@pytest.mark.parametrize("query, expected", [
    ("くまもと", ["KS02-0001"]),  # hiragana finds the katakana reading
    ("クマモト", ["KS02-0001"]),
    ("ｸﾏﾓﾄ", ["KS02-0001"]),  # half-width katakana
    ("くまもと　水と森", ["KS02-0001"]),  # an ideographic space is ignored
    ("水と森", ["KS02-0001"]),  # kanji, part of the name
    ("sdgs", ["KS02-0005"]),  # the name was imported full-width: ＳＤＧｓ
    ("ＳＤＧＳラボ", ["KS02-0005"]),
    ("えすでぃーじーず", ["KS02-0005"]),
    ("ひごてっく", ["KS02-0002"]),
    ("KS02-0002", ["KS02-0002"]),
    ("ks02-0002", ["KS02-0002"]),
    ("ＫＳ０２－０００２", ["KS02-0002"]),  # full-width number and dash
    ("ｋｓ０２ー０００２", ["KS02-0002"]),  # a long vowel mark typed for the hyphen
    ("株式会社", ["KS02-0002", "KS02-0004"]),
    ("KS09-0001", []),
    ("%", []),
    ("_", []),
    ("\\", []),
])
def test_search_ignores_kana_and_width(client, registrants, query, expected):
    assert _numbers(client, "?q=" + query.replace("%", "%25").replace("_", "%5F")) == expected


def test_each_filter_narrows_the_list(client, registrants):
    assert _numbers(client, "?goal=15") == ["KS02-0001", "KS02-0003"]
    assert _numbers(client, "?goal=11") == ["KS02-0004", "KS03-0003"]
    assert _numbers(client, "?goal=1") == []
    # Kumamoto City means the city and its five wards; a ward means the ward.
    assert _numbers(client, "?municipality=43100") == ["KS02-0001", "KS02-0002", "KS02-0006", "KS03-0001",
                                                       "KS03-0003", "KS03-0004"]
    assert _numbers(client, "?municipality=43105") == ["KS02-0002", "KS02-0006"]
    assert _numbers(client, "?municipality=43214") == ["KS02-0003"]
    assert _numbers(client, "?municipality=43216") == ["KS02-0005"]
    assert _numbers(client, "?industry=A") == ["KS02-0003", "KS02-0006"]
    assert _numbers(client, "?industry=r") == ["KS02-0001", "KS03-0001", "KS03-0002"]
    assert _numbers(client, "?cohort=2") == LISTED[:6]
    assert _numbers(client, "?cohort=3") == LISTED[6:]
    assert _numbers(client, "?goal=2&industry=A&municipality=43100") == ["KS02-0006"]
    assert _numbers(client, "?goal=2&industry=A&municipality=43100&q=あそ") == []
    # The form shows what was chosen, and offers to clear it.
    html = page_text(client.get("/registrants?goal=2&industry=A&municipality=43105&cohort=2&q=すいか&lang=en"))
    assert numbers_on(html) == ["KS02-0006"]
    for name, value in (("goal", "2"), ("industry", "A"), ("municipality", "43105"), ("cohort", "2")):
        select = re.search(rf'<select id="directory-{name}" name="{name}">(.*?)</select>', html, re.S).group(1)
        assert re.findall(r'<option value="([^"]*)" selected', select) == [value]
    assert 'value="すいか"' in html and "Clear filters" in html
    assert "1 registered organisation" in html and structure_problems(html) == []
    assert "Clear filters" not in page_text(client.get("/registrants?lang=en"))


@pytest.mark.parametrize("query", [
    "?goal=99", "?goal=0", "?goal=-1", "?goal=abc", "?goal=７", "?goal=1e3", "?page=abc", "?page=0", "?page=-2",
    "?page=999999999999999999999", "?page=5", "?municipality=xyz", "?municipality=99999", "?municipality=",
    "?industry=Z", "?industry=AA", "?industry=%25", "?cohort=x", "?cohort=0", "?cohort=99999999999999999999",
    "?q=" + "あ" * 5000, "?q=%00", "?q=%25%5F%5C", "?q=%27%3B--", "?q=%E2%80%AE", "?goal=1&goal=99",
    "?q=KS02-0001%00",
])
def test_arguments_that_make_no_sense_never_fail(client, registrants, query):
    response = client.get("/registrants" + query)
    assert response.status_code == 200
    assert structure_problems(page_text(response)) == []


def test_values_that_are_not_filters_are_left_out_and_said_so(client, registrants):
    html = page_text(client.get("/registrants?goal=99&municipality=xyz&lang=en"))
    assert numbers_on(html) == LISTED
    assert "were not understood" in html and "SDG goal" in html and "Municipality" in html
    # A cohort that does not exist is a valid question with no answer.
    html = page_text(client.get("/registrants?cohort=42&lang=en"))
    assert numbers_on(html) == [] and "No registered organisation matches" in html


def test_pages_of_twenty_keep_the_filters(client, registrants, imported):
    imported(historical_rows(45, 30, 4), 4)
    everyone = _numbers(client) + _numbers(client, "?page=2") + _numbers(client, "?page=3")
    assert len(everyone) == 55 and len(set(everyone)) == 55 and everyone == sorted(everyone)
    assert len(_numbers(client, "?page=3")) == 15
    html = page_text(client.get("/registrants?cohort=4&page=2&lang=en"))
    assert numbers_on(html) == [f"KS04-{n:04d}" for n in range(21, 41)]
    assert "Page 2 of 3" in html and "45 registered organisations" in html
    hrefs = re.findall(r'<a href="([^"]+)" rel="(?:prev|next)"', html)
    assert len(hrefs) == 2 and all("cohort=4" in href for href in hrefs)
    assert any("page=3" in href for href in hrefs) and any("page=1" in href for href in hrefs)
    # Past the last page: no cards, and the way back.
    html = page_text(client.get("/registrants?cohort=4&page=9&lang=en"))
    assert numbers_on(html) == [] and "45 registered organisations" in html and 'rel="prev"' in html


def test_a_registrant_page_shows_the_public_profile(client, registrants):
    response = client.get("/registrants/KS02-0006?lang=en")
    html = page_text(response)
    assert response.status_code == 200 and structure_problems(html) == []
    assert "植木すいか組合" in html and "ウエキスイカクミアイ" in html
    assert "Kumamoto City Kita Ward" in html and "Agriculture and forestry" in html
    assert "Cohort 2" in html
    assert [int(n) for n in re.findall(r'sdg-chip sdg-chip-(\d+)', html)] == [2, 12]
    assert "Zero Hunger" in html and "Responsible Consumption and Production" in html
    assert 'href="/verify/KS02-0006"' in html
    assert '<link rel="canonical" href="http://portal.test/registrants/KS02-0006">' in html
    # Imported before the portal: goals, but no key actions to show.
    assert "not published on this portal" in html
    html = page_text(client.get("/registrants/KS02-0006?lang=ja"))
    # The term in 和暦 with the western year: 令和8年（2026年）8月30日.
    assert wareki_with_western(RECENT) in html and wareki_with_western(term_end(RECENT)) in html
    assert "熊本市北区" in html and "農業、林業" in html and "飢餓をゼロに" in html


@pytest.mark.parametrize("typed", ["ks02-0006", "ＫＳ０２－０００６", "KS02ー0006", " KS02-0006 "])
def test_a_registrant_page_accepts_the_number_in_any_width(client, registrants, typed):
    response = client.get("/registrants/" + typed)
    assert response.status_code == 200
    assert '<link rel="canonical" href="http://portal.test/registrants/KS02-0006">' in page_text(response)


@pytest.mark.parametrize("number", ["KS01-0001", "KS09-0001", "KS02-9999", "nonsense", "KS02-0006%00", "%E2%80%AE"])
def test_unknown_or_ended_registrants_are_not_found(client, registrants, number):
    response = client.get(f"/registrants/{number}?lang=en")
    html = page_text(response)
    assert response.status_code == 404
    assert structure_problems(html) == []
    assert "Registrant not found" in html


def test_a_registrant_page_shows_the_key_actions_of_the_approved_application(client, applied):
    number = applied()
    html = page_text(client.get(f"/registrants/{number}?lang=en"))
    assert structure_problems(html) == []
    economy, society, environment = (html.index(word) for word in ("Economy", "Society", "Environment"))
    assert economy < society < environment
    for text in ("県産材を使った製品の開発", "地域の子ども向け環境学習会", "地下水涵養のための水田湛水", "湛水面積",
                 "120 m3", "300 m3"):
        assert text in html, text
    # Each target with its text, in the page's language.
    for code in ("9.4", "12.5", "15.1"):
        assert f"{code} {sdgs.target(code).text_en}" in words(html), code
    japanese = words(page_text(client.get(f"/registrants/{number}?lang=ja")))
    assert f"12.5 {sdgs.target('12.5').text_ja}" in japanese
    # The registrant's goals are those of its key actions.
    goals_section = html[html.index('id="registrant-goals"'):html.index('id="registrant-actions"')]
    assert [int(n) for n in re.findall(r'sdg-chip sdg-chip-(\d+)', goals_section)] == [4, 6, 9, 12, 15]
    assert number in _numbers(client, "?q=みずのさと")


def test_the_directory_links_to_the_open_data(client, registrants):
    html = page_text(client.get("/registrants?lang=en"))
    assert 'href="/opendata"' in html


def test_a_term_that_has_not_begun_is_not_listed(client, imported):
    imported([{"corporate_number": "", "name": "未来の会", "name_kana": "ミライノカイ", "kind": "group",
               "postal_code": "8600806", "address": "熊本市中央区花畑町4-1", "industry": "R", "goals": "13"}],
             5, TODAY + timedelta(days=3))
    assert _numbers(client) == []
    assert client.get("/registrants/KS05-0001").status_code == 404
