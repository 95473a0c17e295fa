"""Checks a person makes on a printed document, for any PDF the portal makes: every word lies
inside its page, and the Japanese font is embedded (no fallback font, no empty boxes).

poppler-utils does the reading, as a person's PDF viewer would: `pdfinfo -box` gives each
page's MediaBox, `pdftotext -bbox` each word's box, `pdffonts` the fonts and whether each is
embedded.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from support import require_or_skip

TOOLS = ("pdfinfo", "pdftotext", "pdffonts")
_MEDIA_BOX = re.compile(r"^Page\s+(\d+)\s+MediaBox:\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", re.M)
_XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


def require_poppler() -> None:
    require_or_skip(all(shutil.which(tool) for tool in TOOLS), "poppler-utils is not installed")


def media_boxes(pdf: bytes) -> dict[int, tuple[float, float, float, float]]:
    """Each page's MediaBox (x0, y0, x1, y1 in points), from `pdfinfo -box`."""
    info = subprocess.run(["pdfinfo", "-box", "-f", "1", "-l", "9999", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    return {int(m[1]): (float(m[2]), float(m[3]), float(m[4]), float(m[5])) for m in _MEDIA_BOX.finditer(info)}


def words(pdf: bytes) -> list[Word]:
    """Every word with its box, from `pdftotext -bbox` (y measured down from the page's top)."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    found = []
    root = ElementTree.fromstring(html)
    for number, page in enumerate(root.iter(f"{_XHTML}page"), 1):
        for word in page.iter(f"{_XHTML}word"):
            found.append(Word(number, word.text or "", *(float(word.get(k)) for k in
                                                          ("xMin", "yMin", "xMax", "yMax"))))
    return found


def fonts(pdf: bytes) -> dict[str, str]:
    """Font name (without subset prefix) → "yes"/"no" for embedded, from `pdffonts`."""
    output = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    found = {}
    for line in output.splitlines()[2:]:  # after the header and the dashes
        columns = line.split()
        # name, type…, encoding, emb, sub, uni, object, generation
        found[columns[0].split("+")[-1]] = columns[-5]
    return found


def outside_page(pdf: bytes, tolerance: float = 0.5) -> list[str]:
    """The words that run off their page (past the MediaBox's edges), as "page 2: 'word' (x…)"."""
    boxes = media_boxes(pdf)
    problems = []
    for word in words(pdf):
        x0, y0, x1, y1 = boxes[word.page]
        width, height = x1 - x0, y1 - y0
        if (word.x_min < -tolerance or word.y_min < -tolerance or word.x_max > width + tolerance
                or word.y_max > height + tolerance):
            problems.append(f"page {word.page}: {word.text!r} at x {word.x_min:.1f}–{word.x_max:.1f}, "
                            f"y {word.y_min:.1f}–{word.y_max:.1f} on a {width:.1f}×{height:.1f} page")
    return problems


def assert_fit_to_hand_over(pdf: bytes, font: str = "IPAexGothic") -> None:
    """A PDF a person can print and read: some text, all of it inside the page, the Japanese font
    (`font`) embedded and every other font embedded too."""
    require_poppler()
    assert pdf.startswith(b"%PDF-")
    assert any(w.text.strip() for w in words(pdf)), "the PDF has no text"
    problems = outside_page(pdf)
    assert not problems, "text outside the page:\n" + "\n".join(problems)
    found = fonts(pdf)
    assert found.get(font) == "yes", f"{font} is not embedded: {found}"
    assert all(value == "yes" for value in found.values()), f"a font is not embedded: {found}"
