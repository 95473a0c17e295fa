"""PDF documents (WeasyPrint) rendered from plain data, with the IPAex Japanese fonts.

The fonts are named explicitly; a missing font is an error, never a PDF of empty boxes.
WeasyPrint may fetch only the portal's own static files and the configured fonts.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app, render_template

FONT_SCHEME = "portal-font:"


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
        return HTML(string=html, base_url=base_url, url_fetcher=_fetcher()).write_pdf()
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
