"""Draw the placeholder registration mark (登録マーク) and the demo's sample seal (見本).

    .venv/bin/python tools/certificate_artwork.py

The mark is NOT the prefecture's artwork: a ring of the 17 goal colours around 「仮」 with the
words 熊本県SDGs登録事業者 and a "PLACEHOLDER / 仮" tag, as SVG and PNG in
portal/certificates/mark/ (put the official files there under the same names, or point
REGISTRATION_MARK_FOLDER at them). The sample seal is a red square seal reading 「見本」 with
"SAMPLE" beneath, for the demo data only (portal/demo/seal/). PNGs are drawn with Pillow and the
IPAex fonts, so they look the same on every machine.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
GOTHIC = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
MINCHO = "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
MARK = ROOT / "portal" / "certificates" / "mark"
SEAL = ROOT / "portal" / "demo" / "seal"
STEM = "kumamoto-sdgs-registration-mark"
GOAL_COLOURS = ("#E5243B", "#DDA63A", "#4C9F38", "#C5192D", "#FF3A21", "#26BDE2", "#FCC30B", "#A21942",
                "#FD6925", "#DD1367", "#FD9D24", "#BF8B2E", "#3F7E44", "#0A97D9", "#56C02B", "#00689D",
                "#19486A")
RED = "#c8161d"


def _arc(cx, cy, r, start, end) -> str:
    x1, y1 = cx + r * math.cos(start), cy + r * math.sin(start)
    x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
    return f"M{x1:.2f},{y1:.2f} A{r},{r} 0 0 1 {x2:.2f},{y2:.2f}"


def mark_svg() -> str:
    step = 2 * math.pi / 17
    arcs = "".join(
        f'<path d="{_arc(200, 170, 120, -math.pi / 2 + i * step + 0.02, -math.pi / 2 + (i + 1) * step - 0.02)}" '
        f'stroke="{colour}" stroke-width="26" fill="none"/>' for i, colour in enumerate(GOAL_COLOURS))
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400">
<title>熊本県SDGs登録マーク（仮） PLACEHOLDER</title>
<rect width="400" height="400" fill="#ffffff"/>
{arcs}
<text x="200" y="205" text-anchor="middle" font-family="IPAexGothic" font-size="96" fill="#1f3556">仮</text>
<text x="200" y="340" text-anchor="middle" font-family="IPAexGothic" font-size="30" fill="#1f3556">熊本県SDGs登録事業者</text>
<rect x="70" y="358" width="260" height="32" fill="#c00000"/>
<text x="200" y="382" text-anchor="middle" font-family="IPAexGothic" font-size="20" fill="#ffffff">PLACEHOLDER / 仮</text>
</svg>
"""


def mark_png(size: int = 800) -> Image.Image:
    scale = size / 400
    image = Image.new("RGBA", (size, size), "white")
    draw = ImageDraw.Draw(image)
    step = 360 / 17
    box = [(200 - 120) * scale, (170 - 120) * scale, (200 + 120) * scale, (170 + 120) * scale]
    for i, colour in enumerate(GOAL_COLOURS):
        draw.arc(box, -90 + i * step + 1, -90 + (i + 1) * step - 1, fill=colour, width=round(26 * scale))
    big = ImageFont.truetype(GOTHIC, round(96 * scale))
    draw.text((200 * scale, 170 * scale), "仮", font=big, fill="#1f3556", anchor="mm")
    words = ImageFont.truetype(GOTHIC, round(30 * scale))
    draw.text((200 * scale, 330 * scale), "熊本県SDGs登録事業者", font=words, fill="#1f3556", anchor="mm")
    draw.rectangle([70 * scale, 358 * scale, 330 * scale, 390 * scale], fill="#c00000")
    tag = ImageFont.truetype(GOTHIC, round(20 * scale))
    draw.text((200 * scale, 374 * scale), "PLACEHOLDER / 仮", font=tag, fill="white", anchor="mm")
    return image


def seal_svg() -> str:
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">
<title>見本 SAMPLE seal</title>
<rect x="8" y="8" width="184" height="184" rx="6" fill="none" stroke="{RED}" stroke-width="10"/>
<text x="100" y="112" text-anchor="middle" font-family="IPAexMincho" font-size="76" fill="{RED}">見本</text>
<text x="100" y="165" text-anchor="middle" font-family="IPAexGothic" font-size="26" fill="{RED}">SAMPLE</text>
</svg>
"""


def seal_png(size: int = 400) -> Image.Image:
    scale = size / 200
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([8 * scale, 8 * scale, 192 * scale, 192 * scale], radius=6 * scale, outline=RED,
                           width=round(10 * scale))
    draw.text((100 * scale, 88 * scale), "見本", font=ImageFont.truetype(MINCHO, round(76 * scale)), fill=RED,
              anchor="mm")
    draw.text((100 * scale, 156 * scale), "SAMPLE", font=ImageFont.truetype(GOTHIC, round(26 * scale)), fill=RED,
              anchor="mm")
    return image


def main() -> None:
    MARK.mkdir(parents=True, exist_ok=True)
    SEAL.mkdir(parents=True, exist_ok=True)
    (MARK / f"{STEM}.svg").write_text(mark_svg(), encoding="utf-8")
    mark_png().save(MARK / f"{STEM}.png", optimize=True)
    (SEAL / "sample-seal.svg").write_text(seal_svg(), encoding="utf-8")
    seal_png().save(SEAL / "sample-seal.png", optimize=True)
    print(f"wrote {MARK} and {SEAL}", file=sys.stderr)


if __name__ == "__main__":
    main()
