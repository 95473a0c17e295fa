"""Draw the placeholder 「Kumamoto for SDGs」 artwork and render the PNGs and previews.

    .venv/bin/python tools/logo_artwork.py draw     # placeholder SVGs into portal/logos/artwork/
    .venv/bin/python tools/logo_artwork.py render [FOLDER]  # PNGs beside the SVGs, previews into static/logos/
    .venv/bin/python tools/logo_artwork.py          # both

The placeholder is NOT the city's logo: a ring of the 17 goal colours with 「仮」 in the middle
and a "PLACEHOLDER / 仮" tag, drawn from one template for every variant (portal/logos/variants.py).
Its text is turned into outlines with the IPAex font (fontTools), so the SVGs look the same on
every machine. `render` works on whatever SVGs are in the folder — the official ones too: put
them there under the same names and run `render` (see the README). PNGs are drawn by Debian's
Chromium through Playwright (a development dependency), with a transparent background.
"""
from __future__ import annotations

import base64
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.logos.variants import DEFAULT_FOLDER, VARIANTS  # noqa: E402

FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
CHROMIUM = "/usr/bin/chromium"
PREVIEWS = ROOT / "static" / "logos"
PNG_LONG_SIDE = 1600  # pixels along the longer side of a downloadable PNG
PREVIEW_WIDTH = 240  # CSS pixels; drawn at twice that for sharp screens

# The 17 goals' official colours, goal 1 first.
GOAL_COLOURS = ("#E5243B", "#DDA63A", "#4C9F38", "#C5192D", "#FF3A21", "#26BDE2", "#FCC30B", "#A21942",
                "#FD6925", "#DD1367", "#FD9D24", "#BF8B2E", "#3F7E44", "#0A97D9", "#56C02B", "#00689D",
                "#19486A")
INK = {"color": "#1f3556", "mono": "#1a1a1a"}
TAG = {"color": "#c00000", "mono": "#1a1a1a"}
LABEL = "PLACEHOLDER / 仮"


class Outliner:
    """Text as SVG path data, from the glyph outlines of one font."""

    def __init__(self, path: Path):
        from fontTools.ttLib import TTFont

        self.font = TTFont(str(path))
        self.glyphs = self.font.getGlyphSet()
        self.cmap = self.font.getBestCmap()
        self.units = self.font["head"].unitsPerEm
        self.metrics = self.font["hmtx"].metrics

    def width(self, text: str, size: float) -> float:
        return sum(self.metrics[self.cmap[ord(c)]][0] for c in text) * size / self.units

    def path(self, text: str, x: float, baseline: float, size: float, anchor: str = "start") -> str:
        """A <path> drawing `text` at `size` units, its baseline at `baseline`."""
        from fontTools.pens.svgPathPen import SVGPathPen
        from fontTools.pens.transformPen import TransformPen

        if anchor == "middle":
            x -= self.width(text, size) / 2
        scale = size / self.units
        parts = []
        for char in text:
            name = self.cmap[ord(char)]
            pen = SVGPathPen(self.glyphs)
            # Font units point up; SVG's y points down.
            self.glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x, baseline)))
            parts.append(pen.getCommands())
            x += self.metrics[name][0] * scale
        return " ".join(p for p in parts if p)


def _point(cx: float, cy: float, radius: float, degrees: float) -> str:
    angle = math.radians(degrees)
    return f"{cx + radius * math.cos(angle):.2f} {cy + radius * math.sin(angle):.2f}"


def ring(cx: float, cy: float, outer: float, colour: str) -> str:
    """17 ring segments, one per goal, from the top clockwise."""
    inner = outer * 0.6
    step, gap = 360 / 17, 1.8
    segments = []
    for index in range(17):
        start = -90 + index * step + gap / 2
        end = start + step - gap
        fill = GOAL_COLOURS[index] if colour == "color" else INK["mono"]
        segments.append(
            f'<path fill="{fill}" d="M {_point(cx, cy, outer, start)} A {outer} {outer} 0 0 1 {_point(cx, cy, outer, end)} '
            f'L {_point(cx, cy, inner, end)} A {inner} {inner} 0 0 0 {_point(cx, cy, inner, start)} Z"/>')
    return "\n  ".join(segments)


def tag(outliner: Outliner, cx: float, top: float, colour: str) -> str:
    """The "PLACEHOLDER / 仮" tag: dashed frame, text in the middle."""
    size = 30
    width = outliner.width(LABEL, size) + 40
    ink = TAG[colour]
    return (f'<rect x="{cx - width / 2:.1f}" y="{top}" width="{width:.1f}" height="48" rx="8" fill="#fff" '
            f'stroke="{ink}" stroke-width="3" stroke-dasharray="10 6"/>\n  '
            f'<path fill="{ink}" d="{outliner.path(LABEL, cx, top + 35, size, "middle")}"/>')


def draw(variant, outliner: Outliner) -> str:
    colour, layout = variant.colour, variant.layout
    ink = INK[colour]
    centre = lambda cx, cy, r: f'<path fill="{TAG[colour]}" d="{outliner.path("仮", cx, cy + r * 0.36, r, "middle")}"/>'  # noqa: E731
    if layout == "mark":
        width, height = 400, 470
        body = [ring(200, 200, 180, colour), centre(200, 200, 110), tag(outliner, 200, 405, colour)]
    elif layout == "horizontal":
        height = 470
        width = round(420 + max(outliner.width(line, 130) for line in ("Kumamoto", "for SDGs")) + 30)
        body = [ring(200, 200, 180, colour), centre(200, 200, 110),
                f'<path fill="{ink}" d="{outliner.path("Kumamoto", 420, 175, 130)}"/>',
                f'<path fill="{ink}" d="{outliner.path("for SDGs", 420, 320, 130)}"/>',
                tag(outliner, width / 2, 405, colour)]
    else:
        width, height = 560, 760
        body = [ring(280, 210, 190, colour), centre(280, 210, 115),
                f'<path fill="{ink}" d="{outliner.path("Kumamoto", 280, 525, 104, "middle")}"/>',
                f'<path fill="{ink}" d="{outliner.path("for SDGs", 280, 640, 104, "middle")}"/>',
                tag(outliner, 280, 690, colour)]
    body_text = "\n  ".join(body)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<!-- PLACEHOLDER artwork (仮): not the official 「Kumamoto for SDGs」 logo. '
            f'Drawn by tools/logo_artwork.py; replace it with the official file of the same name. -->\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="Kumamoto for SDGs — PLACEHOLDER (仮)">\n'
            f'  <title>Kumamoto for SDGs — {variant.code} — PLACEHOLDER (仮)</title>\n'
            f'  {body_text}\n</svg>\n')


def draw_all(folder: Path) -> None:
    outliner = Outliner(FONT)
    folder.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        path = folder / variant.file_name("svg")
        path.write_text(draw(variant, outliner), encoding="utf-8")
        print(f"drew {path.relative_to(ROOT)}")


def _size(svg: str) -> tuple[float, float]:
    import re

    box = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)"', svg)
    if not box:
        raise SystemExit("an SVG without a viewBox cannot be rendered to scale")
    return float(box.group(1)), float(box.group(2))


def render_all(folder: Path) -> None:
    from playwright.sync_api import sync_playwright

    PREVIEWS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        for variant in VARIANTS:
            svg = (folder / variant.file_name("svg")).read_text(encoding="utf-8")
            width, height = _size(svg)
            scale = PNG_LONG_SIDE / max(width, height)
            targets = ((folder / variant.file_name("png"), round(width * scale), round(height * scale), 1),
                       (PREVIEWS / f"{variant.code}.png", PREVIEW_WIDTH, round(height * PREVIEW_WIDTH / width), 2))
            for target, pixels_wide, pixels_high, density in targets:
                page = browser.new_page(viewport={"width": pixels_wide, "height": pixels_high},
                                        device_scale_factor=density)
                data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
                page.set_content(f'<html><body style="margin:0;background:transparent">'
                                 f'<img src="data:image/svg+xml;base64,{data}" width="{pixels_wide}" '
                                 f'height="{pixels_high}" style="display:block"></body></html>')
                page.wait_for_load_state("load")
                page.screenshot(path=str(target), omit_background=True,
                                clip={"x": 0, "y": 0, "width": pixels_wide, "height": pixels_high})
                page.close()
                print(f"rendered {target}")
        browser.close()


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "all"
    folder = Path(argv[2]).resolve() if len(argv) > 2 and command == "render" else DEFAULT_FOLDER
    if command in ("draw", "all"):
        draw_all(folder)
    if command in ("render", "all"):
        render_all(folder)
    if command not in ("draw", "render", "all"):
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
