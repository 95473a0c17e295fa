"""What the directory costs: the same SQL statements for 100 registrants as for 10,000 (no query
per row, goals included), and SDG chips whose text can be read on their official colours."""
from __future__ import annotations

import re
from pathlib import Path

from directory_data import numbers_on

from support import counted
from portal.core import page_cache
from portal.core.reference.sdgs import GOALS
from portal.demo.historical import historical_rows

FILTERED_PAGE_3 = "/registrants?q=えこ&goal=13&municipality=43100&industry=E&page=3"
URLS = (FILTERED_PAGE_3, "/registrants", "/registrants?cohort=1&page=2", "/registrants/KS01-0050",
        "/registrants/ks01-0051", "/opendata/registrants.csv", "/opendata/registrants.json", "/opendata")


def _rows(total: int, cohort: int) -> list[dict[str, str]]:
    """Historical rows, all in the city, adjusted so that every one matches the filtered page."""
    rows = historical_rows(total, total, cohort)
    for row in rows:
        row["name"], row["name_kana"] = "エコ" + row["name"], "エコ" + row["name_kana"]
        row["industry"] = "E"
        row["goals"] = ";".join(sorted({*row["goals"].split(";"), "13"}, key=int))
    return rows


def _measure(app, client) -> dict[str, tuple[int, int]]:
    """For each URL: the number of SQL statements, and the size of the answer (read to the end:
    the open data is streamed, its query runs while the body is read)."""
    found = {}
    for url in URLS:
        client.get(url).get_data()  # warm up: first-use queries of the app are not the page's
        with app.app_context():
            page_cache.clear()  # what making the page costs (a kept page sends fewer)
        with counted(app) as statements:
            response = client.get(url)
            body = response.get_data(as_text=True)
        assert response.status_code == 200, url
        found[url] = (len(statements), body)
    return found


def test_the_directory_costs_the_same_queries_for_100_and_10000_registrants(app, client, imported):
    imported(_rows(100, 1), 1)
    small = _measure(app, client)
    # 9,900 more in two cohorts (a cohort numbers at most 9,999).
    imported(_rows(4950, 2), 2)
    imported(_rows(4950, 3), 3)
    large = _measure(app, client)

    counts = {url: count for url, (count, _body) in small.items()}
    assert counts == {url: count for url, (count, _body) in large.items()}, counts
    # The page with filters: one statement for the data generations the page is kept under, one
    # for the rows with their goals, one for the total (kept apart, per generation: the other
    # pages of the search share it), one for the cohort choices, one for the footer's contact
    # blocks (kept too, but the cache was emptied before each measurement).
    assert small[FILTERED_PAGE_3][0] <= 5, small[FILTERED_PAGE_3][0]
    assert large["/registrants/KS01-0050"][0] <= 4
    assert large["/opendata/registrants.csv"][0] <= 2 and large["/opendata/registrants.json"][0] <= 2

    # And the pages did show what they were asked for.
    assert numbers_on(small[FILTERED_PAGE_3][1]) == [f"KS01-{n:04d}" for n in range(41, 61)]
    assert len(numbers_on(large[FILTERED_PAGE_3][1])) == 20
    assert "10,000" in large["/registrants"][1] or "10000" in large["/registrants"][1]
    assert large["/opendata/registrants.csv"][1].count("\r\n") == 10_001
    assert large["/opendata/registrants.json"][1].count('"registration_number":') == 10_000
    assert '"count":10000' in large["/opendata/registrants.json"][1]


# --- SDG chips -----------------------------------------------------------------------------------

def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _long(colour: str) -> str:
    colour = colour.lower()
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def test_every_goal_chip_has_its_official_colour_and_readable_text():
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    chips = {int(number): (_long(background), _long(text)) for number, background, text in re.findall(
        r"\.sdg-chip-(\d+) \{ background: (#[0-9A-Fa-f]{3,6}); color: (#[0-9A-Fa-f]{3,6}); \}", css)}
    assert sorted(chips) == list(range(1, 18))
    for goal in GOALS:
        background, text = chips[goal.number]
        assert background == goal.colour.lower(), goal.number
        # WCAG 2.x AA for normal text.
        assert _contrast(background, text) >= 4.5, (goal.number, round(_contrast(background, text), 2))
