"""PDF documents (WeasyPrint) rendered from plain data, with the IPAex Japanese fonts.

The fonts are named explicitly; a missing font is an error, never a PDF of empty boxes.
WeasyPrint may fetch only the portal's own static files and the configured fonts.
"""
from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app, render_template

FONT_SCHEME = "portal-font:"

# Each thread's WeasyPrint font configuration, with the fonts it was made for (_font_config).
_fonts = threading.local()


class FontMissingError(RuntimeError):
    """The Japanese font file configured for PDFs does not exist."""


class ForbiddenResource(ValueError):
    """A document asked for a resource outside the portal's static files."""


def font_paths() -> dict[str, Path]:
    config = current_app.config
    return {"gothic": Path(config["PDF_FONT_GOTHIC"]), "mincho": Path(config["PDF_FONT_MINCHO"])}


def check_fonts() -> list[str]:
    """Plain-language problems with the PDF fonts; empty when all is well."""
    return [
        f"Japanese {name} font not found at {path} (install the Debian package fonts-ipaexfont "
        f"or set PDF_FONT_{name.upper()})"
        for name, path in font_paths().items()
        if not path.is_file()
    ]


def _fetcher():
    """A WeasyPrint fetcher that serves the configured fonts and the portal's static files,
    and stops the rendering for anything else (no file:, no network)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static = Path(current_app.static_folder).resolve()
    fonts = font_paths()

    class PortalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(FONT_SCHEME):
                path = fonts.get(url[len(FONT_SCHEME):])
                if path is None or not path.is_file():
                    raise FontMissingError(f"font {url} is not available")
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.scheme == "file":
                target = Path(unquote(parsed.path)).resolve()
                if target.is_file() and target.is_relative_to(static):
                    return URLFetcherResponse(url, target.read_bytes())
            raise ForbiddenResource(f"documents may not load {url}")

    return PortalFetcher(fail_on_errors=True)


def _font_config():
    """The thread's WeasyPrint FontConfiguration, made once and reused by every document.

    A document's @font-face fonts are read (through the fetcher) and registered with
    fontconfig the first time a configuration meets them, and kept by it. A new configuration
    per document — WeasyPrint's default — read and registered the two IPAex fonts (14 MB) at
    every render, which took about half of a certificate's rendering time, and left memory
    behind each time: a worker rendering a cohort's certificates grew by hundreds of MB. One
    per thread (fontconfig and Pango objects are not shared between threads), made again when
    the configured font files change."""
    from weasyprint.text.fonts import FontConfiguration

    key = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in font_paths().values())
    cached = getattr(_fonts, "cached", None)
    if cached is None or cached[0] != key:
        cached = _fonts.cached = (key, FontConfiguration())
    return cached[1]


def render_pdf(template: str, **data) -> bytes:
    """Render `template` (HTML extending `pdf/base.html`) with plain `data` to PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    problems = check_fonts()
    if problems:
        raise FontMissingError("; ".join(problems))
    html = render_template(template, font_scheme=FONT_SCHEME, **data)
    base_url = Path(current_app.static_folder).resolve().as_uri() + "/"
    try:
        return HTML(string=html, base_url=base_url, url_fetcher=_fetcher()).write_pdf(font_config=_font_config())
    except FatalURLFetchingError as error:
        # WeasyPrint wraps the refusal in a BaseException, which `except Exception` misses.
        raise (error.__cause__ or ForbiddenResource(str(error))) from None


def embedded_fonts(pdf: bytes) -> set[str]:
    """The names of the fonts a PDF embeds, without subset prefix (e.g. {'IPAexGothic'})."""
    import io

    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            descendants = font.get_object().get("/DescendantFonts") or [font]
            for descendant in descendants:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names
