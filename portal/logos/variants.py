"""The logo's design variants and where their files are.

Orientation belongs to the wording (横組 / 縦組): the mark alone has one form. So there are six
variants — colour or monochrome × mark only, wording horizontal, wording vertical — each as SVG
and PNG. The downloadable files live outside static/ (whatever is in static/ is public); only
small previews are in static/logos/. `tools/logo_artwork.py` draws the placeholder and renders
the PNGs; the README says how to put the official artwork in its place.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

DEFAULT_FOLDER = Path(__file__).resolve().parent / "artwork"
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
FILE_STEM = "kumamoto-for-sdgs"


@dataclass(frozen=True)
class Variant:
    code: str
    colour: str  # "color" | "mono"
    layout: str  # "mark" | "horizontal" | "vertical"
    title: object  # a lazy string

    def file_name(self, fmt: str) -> str:
        return f"{FILE_STEM}_{self.code}.{fmt}"

    @property
    def preview(self) -> str:
        """The preview image, relative to static/."""
        return f"logos/{self.code}.png"


VARIANTS: tuple[Variant, ...] = (
    Variant("color-horizontal", "color", "horizontal", _l("Colour, with wording, horizontal")),
    Variant("color-vertical", "color", "vertical", _l("Colour, with wording, vertical")),
    Variant("color-mark", "color", "mark", _l("Colour, mark only (no wording)")),
    Variant("mono-horizontal", "mono", "horizontal", _l("Monochrome, with wording, horizontal")),
    Variant("mono-vertical", "mono", "vertical", _l("Monochrome, with wording, vertical")),
    Variant("mono-mark", "mono", "mark", _l("Monochrome, mark only (no wording)")),
)
BY_CODE = {variant.code: variant for variant in VARIANTS}
CODES = tuple(BY_CODE)


def title_of(code: str) -> str:
    variant = BY_CODE.get(code)
    return str(variant.title) if variant else code


def ordered(codes) -> list[str]:
    """Known codes in catalogue order, without duplicates."""
    wanted = set(codes or ())
    return [code for code in CODES if code in wanted]


def artwork_folder() -> Path:
    """LOGO_ARTWORK_FOLDER, or the placeholder artwork shipped with the code."""
    return Path(current_app.config.get("LOGO_ARTWORK_FOLDER") or DEFAULT_FOLDER)


def artwork_path(code: str, fmt: str) -> Path:
    """The file of variant `code` in format `fmt`; KeyError for an unknown variant or format."""
    if code not in BY_CODE or fmt not in FORMATS:
        raise KeyError((code, fmt))
    return artwork_folder() / BY_CODE[code].file_name(fmt)


def check_artwork() -> tuple[bool, str]:
    """`flask doctor`: every variant's SVG and PNG is where downloads look for it."""
    folder = artwork_folder()
    missing = [variant.file_name(fmt) for variant in VARIANTS for fmt in FORMATS
               if not (folder / variant.file_name(fmt)).is_file()]
    if missing:
        return False, (f"logo files missing in {folder}: {', '.join(missing)} (see the README, "
                       "“The 「Kumamoto for SDGs」 logo files”)")
    placeholder = "PLACEHOLDER" in (folder / VARIANTS[0].file_name("svg")).read_text(encoding="utf-8",
                                                                                     errors="replace")
    return True, f"logo files present in {folder}" + (" (the placeholder, not the official logo)"
                                                         if placeholder else "")
