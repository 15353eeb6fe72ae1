"""`usecase-kit score` and `import-inventory`, through a local Typer app (CliRunner); the
scorecard, JSON, CSV and table show why each tier (rule, reason, quoted phrase, basis)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from usecase_kit.cli.score_cmd import register
from usecase_kit.errors import InputError
from usecase_kit.portfolio import load_portfolio
from usecase_kit.scoring import scorecard


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)
    return application


def _run(app: typer.Typer, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_score_prints_the_ranked_table(app: typer.Typer, templates_dir: Path) -> None:
    out = _run(app, "score", str(templates_dir / "example_portfolio.yaml"))
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["rank", "id", "weighted_score"]
    assert lines[1].split()[1] == "code-review"
    assert "excluded: prohibited" in out


def test_score_json_with_sensitivity(app: typer.Typer, templates_dir: Path) -> None:
    out = _run(
        app,
        "score",
        str(templates_dir / "example_portfolio.yaml"),
        "--format",
        "json",
        "--sensitivity",
        "--samples",
        "500",
    )
    rows = json.loads(out)
    leader = next(r for r in rows if r["rank"] == 1)
    assert 0 < leader["p_rank1"] <= 1 and leader["rank_p5"] >= 1


def test_score_topsis_regulated_rubric_with_tolerance(
    app: typer.Typer, templates_dir: Path
) -> None:
    out = _run(
        app,
        "score",
        str(templates_dir / "example_portfolio.yaml"),
        "--method",
        "topsis",
        "--rubric",
        str(templates_dir / "rubric_regulated.yaml"),
        "--tolerance",
        str(templates_dir / "risk_tolerance.yaml"),
        "--format",
        "csv",
    )
    assert "topsis_closeness" in out.splitlines()[0]
    assert "NO_CUSTOMER_FACING_ABOVE_RISK_3" in out


def test_score_xlsx_needs_output(app: typer.Typer, templates_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--output"):
        CliRunner().invoke(
            app,
            ["score", str(templates_dir / "example_portfolio.yaml"), "--format", "xlsx"],
            catch_exceptions=False,
        )
    target = tmp_path / "card.xlsx"
    _run(
        app,
        "score",
        str(templates_dir / "example_portfolio.yaml"),
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    assert target.stat().st_size > 0


def test_import_inventory_writes_a_portfolio(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "federal.yaml"
    out = _run(
        app,
        "import-inventory",
        str(templates_dir / "mappings" / "us_federal_2025_sample.csv"),
        "--output",
        str(target),
    )
    assert "imported 20 use cases" in out
    portfolio = load_portfolio(target)
    assert len(portfolio) == 20
    assert "business_value: null" in target.read_text(encoding="utf-8")  # explicit, not dropped
    assert portfolio.use_cases[0].id == "usda-025"
    assert all(v is None for u in portfolio for v in u.scores.values())
    scored = _run(app, "score", str(target))
    assert "unscored" in scored


# ------------------------------------------------------------------ evidence in the scorecard


def test_scorecard_columns_quote_the_phrase_and_cite_the_basis(templates_dir: Path) -> None:
    card = scorecard(load_portfolio(templates_dir / "example_portfolio.yaml")).set_index("id")
    chatbot = card.loc["customer-chatbot"]
    assert '"without prior review" in description' in chatbot["tier_reasons"]
    assert "CUSTOMER_FACING_AUTONOMOUS" in chatbot["tier_rules"]
    assert "EU AI Act (Regulation (EU) 2024/1689) Art. 50" in chatbot["tier_basis"]
    assert "federal AI use-case inventory" in chatbot["precedent"]
    records = chatbot["tier_evidence"]
    assert isinstance(records, list) and {"rule_id", "matched", "basis", "sentence"} <= set(
        records[0]
    )


def test_score_json_has_structured_evidence(app: typer.Typer, templates_dir: Path) -> None:
    rows = json.loads(
        _run(app, "score", str(templates_dir / "example_portfolio.yaml"), "--format", "json")
    )
    triage = next(r for r in rows if r["id"] == "clinical-triage")
    rule = next(
        e for e in triage["tier_evidence"] if e["rule_id"] == "MEDICAL_DEVICE_OR_CLINICAL_DECISION"
    )
    assert any(m["field"] == "description" and m["text"] for m in rule["matched"])
    # the example names its jurisdiction (EU): a US memo is not cited for it
    assert {b["jurisdiction"] for b in rule["basis"]} == {"EU", "industry"}


def test_score_csv_writes_evidence_as_json_text(app: typer.Typer, templates_dir: Path) -> None:
    out = _run(app, "score", str(templates_dir / "example_portfolio.yaml"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert all(json.loads(r["tier_evidence"]) for r in rows)
    assert any('" in description' in r["tier_reasons"] for r in rows)


def test_score_table_reasons_column_is_readable(app: typer.Typer, templates_dir: Path) -> None:
    out = _run(app, "score", str(templates_dir / "example_portfolio.yaml"))
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 120  # was 1,645 characters wide
    table = lines[: lines.index("")]
    # tier labels say the risk (issue 20): two words in the table, in full with the reasons
    assert "Higher risk" in "\n".join(table) and "high_scrutiny" not in "\n".join(table)
    assert "(Higher risk: customer-facing or regulated)" in out
    assert "gates_failed" not in table[0]  # empty without pilots: not shown
    why = " ".join(" ".join(lines[lines.index("") :]).split())
    assert '"without prior review" in description' in why
    assert "CUSTOMER_FACING_AUTONOMOUS" not in out  # sentences, not rule codes
    # numbers right-aligned under a right-aligned header
    score = table[0].index("weighted_score") + len("weighted_score")
    assert all(row[:score].rstrip().endswith(("0", "5", "—")) for row in table[1:])


def test_import_inventory_descriptive_only(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "blind.yaml"
    sample = templates_dir / "mappings" / "us_federal_2025_sample.csv"
    _run(app, "import-inventory", str(sample), "--output", str(target), "--descriptive-only")
    blind = load_portfolio(target)
    assert all(u.declared_tier_floor is None for u in blind)
    assert all(u.regulatory.jurisdictions == ["US-federal"] for u in blind)
    _run(app, "import-inventory", str(sample), "--output", str(tmp_path / "all.yaml"))
    assert any(u.declared_tier_floor for u in load_portfolio(tmp_path / "all.yaml"))


def test_score_json_lists_obligations_and_what_is_not_covered(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    rows = json.loads(
        _run(app, "score", str(templates_dir / "example_portfolio.yaml"), "--format", "json")
    )
    triage = next(r for r in rows if r["id"] == "clinical-triage")
    duties = {o["id"]: o for o in triage["obligations"]}
    assert duties["EU_ART26_DEPLOYER"]["applies_from"] == "2027-12-02"  # declared deployer
    assert "EU_ART9_17_PROVIDER" not in duties
    assert triage["open_questions"] == "annex1"
    text = (templates_dir / "example_portfolio.yaml").read_text(encoding="utf-8")
    elsewhere = tmp_path / "p.yaml"
    elsewhere.write_text(text.replace("jurisdictions: [EU]", "jurisdictions: [CA]"), "utf-8")
    table = _run(app, "score", str(elsewhere))
    assert "Not covered by these rules (no law cited in their place): CA" in table
