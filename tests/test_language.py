"""Every GET page of the permission matrix, in Japanese and in English, as each persona: the
interface's own text (headings, labels, buttons, table headers, options, messages) is in the
page's language. User data is set aside — the world's own strings, and anything inside an
element whose `lang` names the other language (bilingual data, the language switch) — and so
is a short list of names that stay as they are (SDGs, PDF, CSV, QR, Kumamoto for SDGs …)."""
import re
from html.parser import HTMLParser

import pytest

from support import login
from test_permission_matrix import ALL, MATRIX, _url, world  # noqa: F401  (world is a fixture)

# What the world fixtures of the permission matrix type in: user data, in whichever language it was written.
WORLD_DATA = [
    "株式会社テスト熊本", "カブシキガイシャテストクマモト", "代表取締役", "熊本 花子", "熊本県熊本市中央区花畑町1-1",
    "担当 次郎", "総務課", "試験 太郎", "代表 A", "熊本県庁", "出席 一郎",
    "熊本市", "名刺", "memo", "touki.pdf", "mock-up.pdf", "a.pdf", "a.jpg",
    "bank-x", "bank-y", "bank-z", "質問", "本文", "訪問 者",
]
# Names that read the same on both pages.
ALLOWED = ["Kumamoto for SDGs", "SDGs", "SDG", "PDF", "CSV", "XLSX", "JSON", "SVG", "PNG", "JPEG", "QR", "URL",
           "CC BY", "Excel", "Cookie", "No.", ".ics",
           # product and scheme names, and the words printed on the placeholder artwork
           "Google Authenticator", "Microsoft Authenticator", "IIJ SmartKey", "SECURITY ACTION", "PLACEHOLDER",
           "Python", "SQLite", "sqlite", "PostgreSQL", "postgresql",
           # standards, the open data's field names and the example of an institution's code
           "UTF-8", "ISO 8601", "JIS X 0402", "metadata", "registrants", "in_city", "goals", "higo-bank"]

# Scripts, and literal names a reader types or reads as they are (commands, column names, codes).
SKIPPED_TAGS = {"script", "style", "template", "code", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SPOKEN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")


class _Interface(HTMLParser):
    """The text a reader sees in the page's own language: element text and the attributes that
    are read out (placeholders, labels, button values), without elements in another language."""

    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        hidden = tag in SKIPPED_TAGS or (lang is not None and tag != "html" and lang.split("-")[0] != self.page_lang)
        if not hidden and not self._hidden():
            self.texts.extend(attrs[name] for name in SPOKEN_ATTRIBUTES if attrs.get(name))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.texts.append(data)


JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")
# An English word: two letters or more (single letters are item and goal labels: A, B, 1.a).
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]")
# Abbreviations written in capitals, as Japanese text writes them too (KPI, NPO, BCP, MB, KS…).
ABBREVIATION = re.compile(r"[A-Z]{2,5}")
# Addresses, file names, registration and permit numbers, the software's version.
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+|[\w.-]+\.(?:pdf|jpg|png|svg|ics|csv|xlsx|json)\b|KS\d{2}-\d{4}"
                       r"|KFS-\d{4}-\d{4}|\b[0-9a-f]{7,40}\b", re.IGNORECASE)


def foreign_words(html: str, lang: str) -> list[str]:
    """The other language's words in the interface's own text of a page in `lang`."""
    parser = _Interface(lang)
    parser.feed(html)
    found = []
    for text in parser.texts:
        text = ADDRESSES.sub(" ", text)
        for known in sorted(WORLD_DATA + ALLOWED, key=len, reverse=True):
            text = text.replace(known, " ")
        if lang == "en":
            words = JAPANESE.findall(text)
        else:
            words = [word for word in ENGLISH.findall(text) if not ABBREVIATION.fullmatch(word)]
        found.extend(words)
    return found


@pytest.mark.parametrize("persona", sorted(ALL))
def test_every_page_speaks_its_own_language(app, world, persona):
    users, values = world
    failures = []
    # One client per language, so that a message flashed in one language is read in that language.
    clients = {lang: app.test_client() for lang in ("ja", "en")}
    if persona != "anonymous":
        for client in clients.values():
            login(client, users[persona])
    for endpoint, (method, _allowed, _denial) in MATRIX.items():
        if method != "GET":
            continue
        url = _url(app, endpoint, values)
        for lang in ("ja", "en"):
            response = clients[lang].get(url + ("&" if "?" in url else "?") + f"lang={lang}")
            if response.mimetype != "text/html" or response.status_code != 200:
                continue
            words = foreign_words(response.get_data(as_text=True), lang)
            if words:
                failures.append(f"{endpoint} [{lang}]: {sorted(set(words))}")
    assert not failures, f"{persona}:\n" + "\n".join(failures)
