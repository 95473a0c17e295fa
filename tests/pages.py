"""Structural checks every HTML page must pass: one <h1>, a visible label for each field, ids
unique on the page."""
import html as entities
import re
from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.fields: list[str | None] = []
        self.labels: set[str] = set()
        self.lang = None
        self.ids: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] = self.ids.get(attrs["id"], 0) + 1
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        elif tag in ("select", "textarea") or (tag == "input" and attrs.get("type", "text") not in UNLABELLED_TYPES):
            self.fields.append(attrs.get("id"))


def structure_problems(html: str) -> list[str]:
    page = _Structure()
    page.feed(html)
    problems = []
    if page.h1 != 1:
        problems.append(f"{page.h1} <h1> elements")
    if page.lang not in ("ja", "en"):
        problems.append(f"html lang={page.lang!r}")
    # A label, a hint's aria-describedby and a skip link find the first element of an id: a
    # second one (two forms' "reason") takes a screen-reader user to the wrong field.
    problems += [f"id={name!r} used {count} times" for name, count in page.ids.items() if count > 1]
    for field_id in page.fields:
        if field_id is None or field_id not in page.labels:
            problems.append(f"field without a bound label: id={field_id!r}")
    return problems


def words(html: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, runs of white space made one space."""
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", html))).strip()
