"""The steering-committee deck (python-pptx): title with the client and date, the portfolio
matrix, the ranked summary, one slide per use case (verdict, why, conditions, money) and the
roadmap by stage and decision date. Every box has a fixed size and every text a budget (`clip`),
so nothing runs off a slide; the full text is in each use case's memo and pack."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from usecase_kit.deliverables import text as t
from usecase_kit.deliverables.matrix import matrix_png
from usecase_kit.formatting import number
from usecase_kit.results import PackResult

__all__ = ["build_deck", "ranked"]

_TITLE_ONLY = 5  # the default template's "Title Only" layout: an editable, outlined title


def _rgb(red: int, green: int, blue: int) -> RGBColor:
    return RGBColor(red, green, blue)  # type: ignore[no-untyped-call]


_INK, _GREY = _rgb(0x21, 0x21, 0x21), _rgb(0x61, 0x61, 0x61)
_ROWS_PER_SLIDE = 10
_STAGE_ORDER = list(t.STAGE_LABELS)

Paragraph = tuple[str, int, bool]  # text, points, bold


def ranked(records: Sequence[PackResult]) -> list[PackResult]:
    """Ranked use cases first by rank, then the unranked (prohibited, unscored, failed) by id."""
    return sorted(records, key=lambda r: (r.score.rank is None, r.score.rank or 0, r.use_case_id))


def _title(slide: Slide, text: str, size: int = 28) -> None:
    shape = slide.shapes.title
    assert shape is not None  # the Title Only layout has one
    shape.left, shape.top, shape.width, shape.height = (
        Inches(0.5),
        Inches(0.3),
        Inches(12.3),
        Inches(0.9),
    )
    shape.text = text
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), True, _INK


def _box(
    slide: Slide,
    box: tuple[float, float, float, float],
    paragraphs: Sequence[Paragraph],
    colour: RGBColor = _INK,
) -> None:
    """A text box at ``box`` (left, top, width, height in inches) holding ``paragraphs``."""
    left, top, width, height = (Inches(v) for v in box)
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for n, (text, size, bold) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(4)
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, colour


def _band(slide: Slide, record: PackResult) -> None:
    """The verdict in its colour across the slide, with tier, stage and decision date."""
    shape = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Inches(0.5), Inches(1.25), Inches(12.3), Inches(0.6)
    )
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(*t.VERDICT_RGB[t.verdict_kind(record)])
    shape.line.fill.background()
    frame = shape.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    run = paragraph.add_run()
    run.text = t.clip(t.headline(record), 80)
    run.font.size, run.font.bold, run.font.color.rgb = Pt(20), True, _rgb(255, 255, 255)
    facts = (
        f"Risk: {record.tier.label}   ·   Stage today: {t.stage(record)}   ·   "
        f"Decision by: {t.decision_by(record)}"
    )
    _box(slide, (0.5, 1.88, 12.3, 0.4), [(t.clip(facts, 120), 14, False)], _GREY)


def _title_slide(deck: Deck, client: str | None, date: str, count: int) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
    _title(slide, "GenAI use cases: steering committee decisions", 36)
    slide.shapes.title.top = Inches(2.2)
    lines: list[Paragraph] = [
        (client or "Client not named in the portfolio", 28, True),
        (date, 20, False),
        (f"{count} use case(s): verdict, why, cost and conditions for each", 18, False),
    ]
    _box(slide, (0.5, 3.3, 12.3, 2.5), lines)


def _matrix_slide(deck: Deck, records: Sequence[PackResult]) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
    _title(slide, "Portfolio: business value against technical feasibility")
    slide.shapes.add_picture(
        io.BytesIO(matrix_png(list(records))), Inches(1.9), Inches(1.25), height=Inches(5.6)
    )
    _box(
        slide,
        (0.5, 7.05, 12.3, 0.4),
        [
            (
                "Labels are ranks (next slide). Colour: verdict. Scores: the portfolio's rubric.",
                11,
                False,
            )
        ],
        _GREY,
    )


def _table(
    slide: Slide,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    top: float = 1.35,
) -> None:
    shape = slide.shapes.add_table(
        len(rows) + 1,
        len(header),
        Inches(0.5),
        Inches(top),
        Inches(sum(widths)),
        Inches(0.4 * (len(rows) + 1)),
    )
    table = shape.table
    for n, width in enumerate(widths):
        table.columns[n].width = Inches(width)
    for r, cells in enumerate([header, *rows]):
        for c, value in enumerate(cells):
            cell = table.cell(r, c)
            cell.text = value
            cell.margin_top = cell.margin_bottom = Emu(Inches(0.04))
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size, run.font.bold = Pt(13 if r == 0 else 12), r == 0


def _summary_slides(deck: Deck, records: Sequence[PackResult]) -> None:
    rows = [
        [
            str(r.score.rank) if r.score.rank else "—",
            t.clip(r.name, 48),
            t.clip(r.business_unit, 24),
            t.clip(r.tier.label, 26),
            t.headline(r),
            number(r.score.weighted_score, 1),
            t.monthly_model_cost(r),
        ]
        for r in ranked(records)
    ]
    header = ["Rank", "Use case", "Business unit", "Risk tier", "Verdict", "Score", "Model / month"]
    pages = range(0, len(rows), _ROWS_PER_SLIDE)
    for n, start in enumerate(pages):
        slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
        more = f" ({n + 1} of {len(pages)})" if len(pages) > 1 else ""
        _title(slide, f"Ranked summary{more}")
        _table(
            slide,
            header,
            rows[start : start + _ROWS_PER_SLIDE],
            [0.8, 3.5, 1.9, 2.1, 1.9, 0.8, 1.3],
        )


def _use_case_slide(deck: Deck, record: PackResult) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
    rank = f"{record.score.rank}. " if record.score.rank else ""
    _title(slide, t.clip(f"{rank}{record.name}", 70))
    _band(slide, record)
    why = t.reasons(record)
    left: list[Paragraph] = [("Why", 16, True)]
    left += [(f"• {t.clip(reason, 190)}", 13, False) for reason in why[:4]]
    left += [("Evidence", 16, True), (t.clip(t.evidence_line(record), 190), 13, False)]
    _box(slide, (0.5, 2.4, 6.0, 4.6), left)
    open_ = t.conditions(record)
    right: list[Paragraph] = [(f"Conditions ({len(open_)})" if open_ else "Conditions", 16, True)]
    right += [(f"{n}. {t.clip(c, 130)}", 12, False) for n, c in enumerate(open_[:4], start=1)]
    if len(open_) > 4:
        right.append((f"… and {len(open_) - 4} more in the decision memo.", 12, False))
    if not open_:
        right.append(("None recorded.", 12, False))
    _box(slide, (6.8, 2.4, 6.0, 2.7), right)
    money: list[Paragraph] = [("Money", 16, True)]
    money += [
        (t.clip(f"{line.name}: {line.amount}", 90), 12, False) for line in t.cost_lines(record)[:6]
    ]
    _box(slide, (6.8, 5.1, 6.0, 1.95), money)
    _box(
        slide,
        (0.5, 7.05, 12.3, 0.35),
        [
            (
                f"Full record: {record.use_case_id}/decision_pack.html and decision_memo.docx",
                10,
                False,
            )
        ],
        _GREY,
    )


def _roadmap_slides(deck: Deck, records: Sequence[PackResult]) -> None:
    def order(r: PackResult) -> tuple[int, str, str]:
        value = str(r.use_case.get("stage") or "")
        where = _STAGE_ORDER.index(value) if value in _STAGE_ORDER else len(_STAGE_ORDER)
        return where, str(r.use_case.get("decision_by") or "9999"), r.use_case_id

    rows, previous = [], None
    for r in sorted(records, key=order):
        stage = t.stage(r)
        rows.append(
            [
                stage if stage != previous else "",
                t.clip(r.name, 46),
                t.headline(r),
                t.decision_by(r),
                str(len(t.conditions(r))),
            ]
        )
        previous = stage
    header = ["Stage today", "Use case", "Verdict", "Decision by", "Open conditions"]
    pages = range(0, len(rows), _ROWS_PER_SLIDE)
    for n, start in enumerate(pages):
        slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
        more = f" ({n + 1} of {len(pages)})" if len(pages) > 1 else ""
        _title(slide, f"Roadmap: by stage and decision date{more}")
        _table(slide, header, rows[start : start + _ROWS_PER_SLIDE], [2.2, 4.6, 2.3, 1.7, 1.5])


def build_deck(
    records: Sequence[PackResult], path: str | Path, *, client: str | None, date: str
) -> Path:
    """Write the deck for ``records`` to ``path`` (16:9) and return the path."""
    from usecase_kit._io import atomic_write

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    _title_slide(deck, client, date, len(records))
    _matrix_slide(deck, records)
    _summary_slides(deck, records)
    for record in ranked(records):
        _use_case_slide(deck, record)
    _roadmap_slides(deck, records)
    return atomic_write(Path(path), lambda p: deck.save(str(p)))
