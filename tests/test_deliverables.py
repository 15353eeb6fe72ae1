"""The steering-committee deck and the decision memos, opened with python-pptx / python-docx.

The records come from the real assessment path (score, tier, offline pilot, cost, decide) for
three use cases of the example portfolio that take three different branches: a conditional go
with a pilot, a no-go without one, and a prohibited practice."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from pptx import Presentation

from usecase_kit.assessment import assess_use_case, score_portfolio
from usecase_kit.config import RunConfig
from usecase_kit.deliverables import build_deck, build_memo, matrix_png, write_deliverables
from usecase_kit.deliverables.build import DECK, MEMO, read_records
from usecase_kit.deliverables.text import clip
from usecase_kit.errors import InputError
from usecase_kit.portfolio import load_portfolio, save_portfolio
from usecase_kit.results import PackResult, write_result

CLIENT = "<b>Acme & Co</b>"
IDS = ("knowledge-search", "customer-chatbot", "employee-emotion")


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[PackResult]:
    root = Path(__file__).resolve().parents[1] / "templates" / "example_portfolio.yaml"
    setup = RunConfig().resolved().load()
    portfolio = load_portfolio(root)
    card = score_portfolio(portfolio, setup)
    work = tmp_path_factory.mktemp("ws")
    return [
        assess_use_case(portfolio, i, workspace=work, config=setup, card=card).result() for i in IDS
    ]


def _slide_text(slide: object) -> str:
    parts = []
    for shape in slide.shapes:  # type: ignore[attr-defined]
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def test_deck_has_title_matrix_summary_one_slide_per_use_case_and_roadmap(
    records: list[PackResult], tmp_path: Path
) -> None:
    path = build_deck(records, tmp_path / DECK, client=CLIENT, date="7 December 2026")
    deck = Presentation(str(path))
    slides = list(deck.slides)
    assert len(slides) == 1 + 1 + 1 + len(records) + 1
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == "GenAI use cases: steering committee decisions"
    assert titles[1].startswith("Portfolio: business value")
    assert titles[2] == "Ranked summary" and titles[-1].startswith("Roadmap")
    first = _slide_text(slides[0])
    assert CLIENT in first and "&amp;" not in first and "7 December 2026" in first
    pictures = [s for s in slides[1].shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
    assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"
    by_name = {r.name: r for r in records}
    for slide, title in zip(slides[3:-1], titles[3:-1], strict=True):
        record = next(r for n, r in by_name.items() if title.endswith(clip(n, 60)))
        text = _slide_text(slide)
        assert record.decision is not None and record.decision.headline in text
        assert record.tier.label in text and "Money" in text and "Why" in text
    summary = _slide_text(slides[2])
    for record in records:
        assert record.decision is not None and record.decision.headline in summary
    ranked = [r for r in records if r.score.rank is not None]
    first_use_case = titles[3]
    assert first_use_case.startswith(f"{min(r.score.rank or 0 for r in ranked)}. ")
    assert "PROHIBITED" in summary.upper()


def test_memo_has_verdict_why_cost_conditions_tier_and_sign_off(
    records: list[PackResult], tmp_path: Path
) -> None:
    record = records[0]  # knowledge-search: a conditional go with conditions and obligations
    assert record.decision is not None and record.decision.conditions
    doc = Document(str(build_memo(record, tmp_path / MEMO, client=CLIENT, date="7 Dec 2026")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"Decision memo: {record.name}" in text
    assert f"Verdict: {record.decision.headline}" in text
    assert CLIENT in text  # plain text, as typed: Word escapes it in its XML, not in the reader
    for reason in record.decision.reasons:
        assert reason in text
    for condition in record.decision.conditions:
        assert condition in text
    assert f"Risk tier: {record.tier.label}" in text
    tables = doc.tables
    sign_off = tables[-1]
    roles = [row.cells[0].text for row in sign_off.rows[1:]]
    # the roles the stage policy asks of this tier (templates/stage_policy.yaml)
    assert record.decision is not None and roles == record.decision.sign_off
    assert roles[0] == "Business owner" and "Engagement partner" in roles
    assert sign_off.rows[1].cells[1].text == (record.owner or "")
    cells = [c.text for t in tables for row in t.rows for c in row.cells]
    assert "Model tokens, a month" in cells and "Payback" in cells
    if record.tier.obligations:
        assert record.tier.obligations[0]["duty"] in cells


def test_write_deliverables_from_a_run_folder(records: list[PackResult], tmp_path: Path) -> None:
    for record in records:
        write_result(tmp_path / record.use_case_id / "results.json", record)
    read = read_records(tmp_path, IDS)
    assert [r.use_case_id for r in read] == list(IDS)
    written = write_deliverables(tmp_path, read, client="Northwind Group")
    assert written[0] == tmp_path / DECK
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written[1:]) == sorted(
        f"{i}/{MEMO}" for i in IDS
    )
    assert write_deliverables(tmp_path, []) == []


def test_matrix_is_a_png_and_long_text_is_clipped_on_slides(records: list[PackResult]) -> None:
    png = matrix_png(records)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    long = "word " * 400
    assert len(clip(long, 130)) <= 130 and clip(long, 130).endswith("…")
    assert clip("short  text", 130) == "short text"


def test_a_long_reason_stays_inside_its_slide(records: list[PackResult], tmp_path: Path) -> None:
    record = records[0]
    assert record.decision is not None
    decision = record.decision.model_copy(update={"reasons": ["x " * 2000] * 9})
    long = record.model_copy(update={"decision": decision})
    deck = Presentation(str(build_deck([long], tmp_path / DECK, client=None, date="today")))
    text = _slide_text(list(deck.slides)[3])
    assert len(text) < 2500  # four reasons of at most 190 characters, not 36,000
    assert "Client not named in the portfolio" in _slide_text(deck.slides[0])


def test_client_name_is_read_kept_and_escaped_in_the_index(tmp_path: Path) -> None:
    from usecase_kit.report import render_index

    source = Path(__file__).resolve().parents[1] / "templates" / "example_portfolio.yaml"
    text = source.read_text(encoding="utf-8")
    mine = tmp_path / "p.yaml"
    mine.write_text(f'client: "{CLIENT}"\n' + text, encoding="utf-8")
    portfolio = load_portfolio(mine)
    assert portfolio.client == CLIENT
    save_portfolio(portfolio, tmp_path / "copy.yaml")
    assert load_portfolio(tmp_path / "copy.yaml").client == CLIENT
    assert load_portfolio(source).client is None
    html = render_index([], chart_html="", run_id="r", portfolio="p.yaml", provider="x",
                        baseline=False, created="2026-12-07T00:00:00+00:00", rubric="r 1",
                        totals={"monthly_p50": 0.0, "monthly_p90": 0.0, "priced": 0,
                                "unpriced": [], "no_projection": []},
                        failed=0, client=CLIENT)  # fmt: skip
    assert "&lt;b&gt;Acme &amp; Co&lt;/b&gt;" in html and CLIENT not in html
    bad = tmp_path / "bad.yaml"
    bad.write_text("client: [Acme]\n" + text, encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml: field 'client' must be the client's name"):
        load_portfolio(bad)


@pytest.mark.slow
def test_packs_write_the_deck_and_memos_listed_in_the_marker(tmp_path: Path) -> None:
    from usecase_kit.packs import RUN_MARKER, build_packs

    source = Path(__file__).resolve().parents[1] / "templates" / "example_portfolio.yaml"
    mine = tmp_path / "p.yaml"
    mine.write_text(f'client: "{CLIENT}"\n' + source.read_text(encoding="utf-8"), "utf-8")
    options = {"use_case_ids": ["code-review"], "workspace": tmp_path / "ws", "workers": 1}
    run = build_packs(mine, tmp_path / "out", **options)  # type: ignore[arg-type]
    assert not run.failed, run.items
    marker = (run.run_dir / RUN_MARKER).read_text(encoding="utf-8")
    assert f"  {DECK}\n" in marker and f"  code-review/{MEMO}\n" in marker
    deck = Presentation(str(run.run_dir / DECK))
    assert CLIENT in _slide_text(deck.slides[0])
    index = (run.run_dir / "index.html").read_text(encoding="utf-8")
    assert "for &lt;b&gt;Acme &amp; Co&lt;/b&gt;</h1>" in index
    again = build_packs(mine, tmp_path / "out", overwrite=True, deck=False, **options)  # type: ignore[arg-type]
    assert not again.failed and not (again.run_dir / DECK).exists()
    assert not (again.run_dir / "code-review" / MEMO).exists()


def test_a_failed_pack_reads_as_failed_in_deck_and_memo(
    records: list[PackResult], tmp_path: Path
) -> None:
    failed = records[0].model_copy(
        update={"status": "failed", "decision": None, "error": "kernel died", "cost": None}
    )
    deck = Presentation(str(build_deck([failed], tmp_path / DECK, client=None, date="today")))
    assert "PACK FAILED" in _slide_text(deck.slides[3]) and "kernel died" in _slide_text(
        deck.slides[3]
    )
    doc = Document(str(build_memo(failed, tmp_path / MEMO, client=None, date="today")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Verdict: PACK FAILED" in text and "The pack failed: kernel died." in text
