"""The demo event's logo, drawn with Pillow: a red roundel with the event's name, for its certificates."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from miglia.formats.classification_pdf import FONTS

RED, CREAM, INK = (164, 22, 26), (250, 246, 238), (29, 29, 27)


def write_logo(path: Path, top: str = "CALIFORNIA", middle: str = "MILLE", bottom: str = "2026") -> Path:
    size = 600
    image = Image.new("RGB", (size, size), CREAM)
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, size - 20, size - 20), fill=RED, outline=INK, width=10)
    draw.ellipse((70, 70, size - 70, size - 70), outline=CREAM, width=6)
    bold = str(FONTS / "DejaVuSans-Bold.ttf")
    for text, y, points in ((top, 190, 52), (middle, 300, 110), (bottom, 420, 52)):
        font = ImageFont.truetype(bold, points)
        draw.text((size / 2, y), text, font=font, fill=CREAM, anchor="mm")
    image.save(path, "PNG", optimize=True)
    return path
