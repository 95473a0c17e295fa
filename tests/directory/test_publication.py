"""What the public reads of a registrant is what its declaration names, and no more: the
municipality, never the street address (a sole proprietor's is often a home); the 2030 vision and
the key actions with their goals and targets; and one sentence on what registration does not
certify."""
from __future__ import annotations

import csv
import io
import re
from html import unescape

from directory_data import ACTIONS, VISION, page_text
from flask_babel import force_locale, gettext
from pages import structure_problems, words

from portal.core.reference import sdgs

# KS02-0003 阿蘇グリーン農園, a sole proprietor at 阿蘇市一の宮町宮地1000 (directory_data.COHORT_2).
SOLE_PROPRIETOR = "KS02-0003"
STREET = ("一の宮町", "宮地", "1000")
MEANING = ("Registration attests to the organisation's declaration and its plan for the SDGs (its 2030 vision and "
           "key actions); it does not certify its products or services, nor its creditworthiness.")


def _absent(text: str) -> None:
    for part in STREET:
        assert part not in text, part


def test_a_sole_proprietors_street_address_is_not_published(client, registrants):
    page = page_text(client.get(f"/registrants/{SOLE_PROPRIETOR}?lang=ja"))
    assert "阿蘇グリーン農園" in page and "阿蘇市" in page
    _absent(page)
    listing = page_text(client.get("/registrants?q=阿蘇グリーン&lang=ja"))
    assert f'id="registrant-{SOLE_PROPRIETOR}"' in listing and "阿蘇市" in listing
    _absent(listing)
    rows = list(csv.DictReader(io.StringIO(client.get("/opendata/registrants.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    [record] = [r for r in rows if r["registration_number"] == SOLE_PROPRIETOR]
    assert record["municipality"] == "阿蘇市"
    _absent(" ".join(" ".join(r.values()) for r in rows))
    data = client.get("/opendata/registrants.json").get_data(as_text=True)
    assert SOLE_PROPRIETOR in data
    _absent(data)
    # Nor anyone's: the verification page also names the municipality only.
    _absent(page_text(client.get(f"/verify/{SOLE_PROPRIETOR}")))


def test_the_registrant_page_shows_the_vision_and_the_key_actions_with_goals_and_targets(client, applied):
    number = applied()
    html = page_text(client.get(f"/registrants/{number}?lang=en"))
    assert structure_problems(html) == []
    vision = html[html.index('id="registrant-vision"'):html.index('id="registrant-goals"')]
    assert "2030 vision" in vision and f'id="vision">{VISION}</p>' in vision
    actions = html[html.index('id="registrant-actions"'):]
    for action in ACTIONS:
        article = actions[actions.index(action["description"]):]
        article = article[:article.index("</article>")]
        for goal in action["goals"]:
            assert f"sdg-chip-{goal}" in article, goal
        for code in action["targets"]:
            assert f"{code} {sdgs.target(code).text_en}" in words(article), code
    assert html.index('id="registrant-vision"') < html.index('id="registrant-actions"')


def test_an_imported_registrant_says_its_vision_is_not_published_here(client, registrants):
    html = page_text(client.get("/registrants/KS02-0001?lang=en"))
    vision = html[html.index('id="registrant-vision"'):html.index('id="registrant-goals"')]
    assert "registered before this portal opened" in vision and 'id="vision"' not in vision


def meaning_on(html: str) -> str:
    """The sentence on what registration does not certify, as a page shows it."""
    [found] = re.findall(r'<p class="notice registration-meaning" id="registration-meaning">([^<]*)</p>', html)
    return unescape(found)


def test_the_registrant_page_says_what_registration_does_not_certify(app, client, registrants):
    assert meaning_on(page_text(client.get("/registrants/KS02-0001?lang=en"))) == MEANING
    with app.test_request_context(), force_locale("ja"):
        translated = gettext(MEANING)
    assert meaning_on(page_text(client.get("/registrants/KS02-0001?lang=ja"))) == translated
