"""One decision memo per use case (python-docx, A4): the verdict, why, the evidence, the money,
the conditions, what would change it, the risk tier and its obligations, and a sign-off table a
committee fills in by hand. Plain, editable text: nothing in the record is read as markup."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Cm, Pt, RGBColor

from usecase_kit.deliverables import text as t
from usecase_kit.results import PackResult

__all__ = ["SIGN_OFF_ROLES", "build_memo"]

#: Who signs a decision (issue 20's roles); the business owner's name comes from the record.
SIGN_OFF_ROLES = (
    "Business owner",
    "Data protection officer",
    "Risk or compliance owner",
    "Engagement partner",
)


def _table(
    doc: DocumentType,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    row_height: float | None = None,
) -> None:
    """A grid table that fits the page: ``widths`` in cm add up to at most 17 (A4 less margins),
    set on the columns and on every cell (Word reads the cells, LibreOffice the columns)."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for n, row in enumerate(table.rows):
        if row_height is not None and n > 0:
            row.height = Cm(row_height)  # room to write by hand
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    doc.add_paragraph()


def _bullets(doc: DocumentType, items: Sequence[str], style: str = "List Bullet") -> None:
    for item in items:
        doc.add_paragraph(item, style=style)


def _verdict(doc: DocumentType, record: PackResult) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(f"Verdict: {t.headline(record)}")
    run.bold = True
    run.font.size = Pt(16)
    run.font.color.rgb = RGBColor(*t.VERDICT_RGB[t.verdict_kind(record)])
    doc.add_paragraph(
        f"Risk tier: {record.tier.label}. Stage today: {t.stage(record)}. "
        f"Decision by: {t.decision_by(record)}."
    )


def _obligations(doc: DocumentType, obligations: list[dict[str, Any]]) -> None:
    rows = [
        [
            str(o.get("duty", "")),
            f"{o.get('instrument', '')}, {o.get('point', '')}".strip(", "),
            str(o.get("status", "")),
        ]
        for o in obligations
    ]
    _table(doc, ["Obligation", "Source", "Applies"], rows, [9.0, 5.0, 3.0])


def _conditions(doc: DocumentType, record: PackResult) -> None:
    doc.add_heading("Conditions", level=2)
    open_ = t.conditions(record)
    if not open_:
        doc.add_paragraph("None recorded.")
        return
    _bullets(doc, open_, "List Number")
    plan = t.condition_plan(record)  # owner, due date and closing evidence, from the policy
    if not plan:
        doc.add_paragraph(
            "The pack records no owner or due date for these conditions: the committee names "
            "both when it decides, in the table below."
        )
    rows = (
        [[str(n), p["owner"], p["due"], p["evidence"]] for n, p in enumerate(plan, 1)]
        if plan
        else [[str(n), "", "", ""] for n in range(1, len(open_) + 1)]
    )
    _table(doc, ["#", "Owner", "Due date", "Evidence that closes it"], rows,
           [1.0, 5.0, 3.0, 8.0], 0.9)  # fmt: skip


def _money(doc: DocumentType, record: PackResult) -> None:
    doc.add_heading("Cost and benefit", level=2)
    rows = [[line.name, line.amount, line.basis] for line in t.cost_lines(record)]
    _table(doc, ["Item", "Amount (USD)", "Basis"], rows, [5.0, 5.0, 7.0])


def _sign_off(doc: DocumentType, record: PackResult) -> None:
    doc.add_heading("Sign-off", level=2)
    names = {"Business owner": record.owner or ""}
    roles = (record.decision.sign_off if record.decision else None) or list(SIGN_OFF_ROLES)
    rows = [[role, names.get(role, ""), "", ""] for role in roles]
    _table(
        doc,
        ["Role", "Name", "Decision (approve / reject)", "Date"],
        rows,
        [4.5, 5.0, 4.5, 3.0],
        1.2,
    )


def build_memo(record: PackResult, path: str | Path, *, client: str | None, date: str) -> Path:
    """Write the memo of ``record`` to ``path`` and return the path."""
    from usecase_kit._io import atomic_write

    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.0)
        section.top_margin = section.bottom_margin = Cm(2.0)
    normal = doc.styles["Normal"].font
    normal.size, normal.name = Pt(11), "Arial"  # Word has it; LibreOffice maps it to Liberation
    doc.add_heading(f"Decision memo: {record.name}", level=1)
    owner = f" · owner {record.owner}" if record.owner else ""
    doc.add_paragraph(f"{client or 'Client not named'} · {date} · {record.business_unit}{owner}")
    _verdict(doc, record)
    doc.add_heading("Why", level=2)
    _bullets(doc, t.reasons(record))
    doc.add_heading("Evidence", level=2)
    doc.add_paragraph(t.evidence_line(record))
    _money(doc, record)
    _conditions(doc, record)
    if record.decision and record.decision.would_change:
        doc.add_heading("What would change the verdict", level=2)
        _bullets(doc, record.decision.would_change)
    doc.add_heading(f"Risk tier: {record.tier.label}", level=2)
    doc.add_paragraph(record.tier.why)
    if record.tier.obligations:
        _obligations(doc, record.tier.obligations)
    _sign_off(doc, record)
    source = doc.add_paragraph(
        f"Source: the decision pack of '{record.use_case_id}' (decision_pack.html, this folder)."
    )
    source.runs[0].font.size = Pt(9)
    return atomic_write(Path(path), lambda p: doc.save(str(p)))
