"""The portfolio matrix (business value × technical feasibility) as a PNG drawn with Pillow.

The index draws the same matrix with plotly; exporting that figure needs kaleido, which starts
Chromium: 14 s for one figure on the 2-core build machine, more than the whole 10 s budget of the
deck and memos. Pillow is already installed with python-pptx and draws this in milliseconds.
"""

from __future__ import annotations

import io
from collections import defaultdict

from PIL import Image, ImageDraw, ImageFont

from usecase_kit.deliverables.text import VERDICT_RGB, clip, verdict_kind
from usecase_kit.results import PackResult

__all__ = ["LEGEND", "matrix_png"]

LEGEND = {
    "go": "GO",
    "conditional_go": "Conditional go",
    "no_go": "No-go",
    "prohibited": "Prohibited",
    "failed": "Pack failed",
}
_W, _H = 1600, 1000  # pixels: a 16:10 image that fills most of a 16:9 slide at 150 dpi
_LEFT, _TOP, _RIGHT, _BOTTOM = 130, 60, 1180, 900  # the plot area
_GREY, _INK, _GUIDE = (117, 117, 117), (33, 33, 33), (189, 189, 189)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _xy(feasibility: float, value: float) -> tuple[float, float]:
    """Scores 1-5 to pixels (axes from 0.5 to 5.5)."""
    x = _LEFT + (feasibility - 0.5) / 5 * (_RIGHT - _LEFT)
    y = _BOTTOM - (value - 0.5) / 5 * (_BOTTOM - _TOP)
    return x, y


def _axes(draw: ImageDraw.ImageDraw) -> None:
    small, label = _font(26), _font(30)
    draw.rectangle((_LEFT, _TOP, _RIGHT, _BOTTOM), outline=_GREY, width=2)
    for score in range(1, 6):
        x, y = _xy(score, score)
        draw.text((x, _BOTTOM + 12), str(score), fill=_INK, font=small, anchor="mt")
        draw.text((_LEFT - 14, y), str(score), fill=_INK, font=small, anchor="rm")
    mx, my = _xy(3, 3)
    for offset in range(0, _RIGHT - _LEFT, 18):  # dotted guides at the midpoint
        draw.line((_LEFT + offset, my, _LEFT + offset + 8, my), fill=_GUIDE, width=2)
    for offset in range(0, _BOTTOM - _TOP, 18):
        draw.line((mx, _TOP + offset, mx, _TOP + offset + 8), fill=_GUIDE, width=2)
    corners = (
        (_RIGHT - 12, _TOP + 10, "quick wins", "ra"),
        (_LEFT + 12, _TOP + 10, "strategic bets", "la"),
        (_RIGHT - 12, _BOTTOM - 10, "fill-ins", "rd"),
        (_LEFT + 12, _BOTTOM - 10, "deprioritise", "ld"),
    )
    for x, y, text, anchor in corners:
        draw.text((x, y), text, fill=_GREY, font=small, anchor=anchor)
    draw.text(
        ((_LEFT + _RIGHT) / 2, _BOTTOM + 60),
        "Technical feasibility (1-5)",
        fill=_INK,
        font=label,
        anchor="mt",
    )


def _legend(draw: ImageDraw.ImageDraw, kinds: list[str], unplotted: list[str]) -> None:
    font = _font(28)
    x, y = _RIGHT + 50, _TOP + 10
    draw.text((x, y), "Verdict", fill=_INK, font=_font(30))
    for kind in kinds:
        y += 50
        draw.ellipse((x, y, x + 28, y + 28), fill=VERDICT_RGB[kind])
        draw.text((x + 42, y + 14), LEGEND[kind], fill=_INK, font=font, anchor="lm")
    y += 80
    draw.text((x, y), "Bubble size:", fill=_GREY, font=_font(24))
    draw.text((x, y + 32), "data readiness", fill=_GREY, font=_font(24))
    if unplotted:
        y += 90
        draw.text((x, y), "Not plotted (unscored):", fill=_GREY, font=_font(24))
        for name in unplotted[:8]:
            y += 30
            draw.text((x, y), clip(name, 24), fill=_GREY, font=_font(22))


def matrix_png(records: list[PackResult]) -> bytes:
    """The matrix of ``records`` as PNG bytes: one bubble per scored use case, coloured by
    verdict, sized by data readiness, labelled with its rank (or its name when unranked);
    use cases on the same cell are spread around it so none hides another."""
    image = Image.new("RGB", (_W, _H), "white")
    draw = ImageDraw.Draw(image)
    _axes(draw)
    cells: dict[tuple[int, int], list[PackResult]] = defaultdict(list)
    unplotted = []
    for record in records:
        c = record.score.criteria
        value, feasible = c.get("business_value"), c.get("technical_feasibility")
        if value is None or feasible is None:
            unplotted.append(record.name)
            continue
        cells[(feasible, value)].append(record)
    font = _font(26)
    for (feasible, value), group in cells.items():
        cx, cy = _xy(feasible, value)
        for n, record in enumerate(group):
            dx = (n - (len(group) - 1) / 2) * 70  # side by side within the cell
            readiness = record.score.criteria.get("data_readiness") or 1
            radius = 14 + 5 * readiness
            x = cx + dx
            draw.ellipse(
                (x - radius, cy - radius, x + radius, cy + radius),
                fill=VERDICT_RGB[verdict_kind(record)],
                outline="white",
                width=3,
            )
            tag = f"#{record.score.rank}" if record.score.rank else clip(record.use_case_id, 14)
            draw.text((x, cy - radius - 6), tag, fill=_INK, font=font, anchor="md")
    kinds = [k for k in LEGEND if any(verdict_kind(r) == k for r in records)]
    _legend(draw, kinds, unplotted)
    _y_label(image)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _y_label(image: Image.Image) -> None:
    """The value axis's title, turned to read bottom-up beside the axis."""
    label = Image.new("RGB", (600, 44), "white")
    ImageDraw.Draw(label).text(
        (300, 22), "Business value (1-5)", fill=_INK, font=_font(30), anchor="mm"
    )
    turned = label.rotate(90, expand=True)
    image.paste(turned, (8, int((_TOP + _BOTTOM) / 2 - 300)))
