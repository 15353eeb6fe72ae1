"""The client's own determinations (issue 18): a model learned from an earlier labelled
inventory raises use cases like the client's positives to high scrutiny for review, with its
probability, threshold and cross-validated figures; every pack kernel reads the parent's model.

The fixture inventory is written here: its determinations follow a word the rules cannot read
("tenancy"), so only the learned signal can find them."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from usecase_kit.cli.score_cmd import register
from usecase_kit.config import RunConfig
from usecase_kit.errors import ConfigError, InputError
from usecase_kit.importers import import_inventory, load_mapping
from usecase_kit.portfolio import Portfolio, save_portfolio
from usecase_kit.risk import classify, load_rules
from usecase_kit.risk.own import (
    OWN_RULE_ID,
    OwnDeterminations,
    attach,
    attached,
    fit_own_determinations,
)

HEAD = ["Ref", "Title", "Summary", "Department", "Users", "Reviewed by human?",
        "Personal data?", "Value (1-5)", "Feasibility (1-5)"]  # fmt: skip
TOPICS = ["invoice", "meeting notes", "policy", "supplier", "training", "email", "report",
          "contract", "budget", "survey", "travel", "catalogue"]  # fmt: skip
VERBS = ["Summarises", "Drafts", "Searches", "Translates", "Sorts", "Tags"]
TENANCY = "Drafts letters for the tenancy team's renewal files."
MINUTES = "Drafts minutes of the weekly meeting for the archive."


@pytest.fixture(scope="module")
def mapping() -> Path:
    return Path(__file__).resolve().parents[1] / "templates/mappings/generic_example.yaml"


def _write(path: Path, rows: list[list[str]], head: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(head)
        writer.writerows(rows)
    return path


def _inventory(path: Path, positives: int = 12, negatives: int = 24) -> Path:
    """The client's earlier inventory: 'Flagged' exactly where the summary names the tenancy
    team, a word no rule reads; everything else is ordinary office work."""
    rows = []
    for i in range(positives + negatives):
        topic, verb = TOPICS[i % len(TOPICS)], VERBS[i % len(VERBS)]
        flagged = i < positives
        where = f"for the tenancy team's {topic} files" if flagged else f"for the {topic} archive"
        summary = f"{verb} {topic} documents {where}."
        rows.append([str(i + 1), f"{topic.title()} helper {i}", summary, "Operations", "Staff",
                     "Yes", "No", "3", "4", "Flagged" if flagged else "Cleared"])  # fmt: skip
    return _write(path, rows, [*HEAD, "Determination"])


def _portfolio(folder: Path, mapping: Path) -> Path:
    """Two new ideas as a portfolio: one for the tenancy team, one not."""
    new = [["1", "Lease letters", TENANCY, "Operations", "Staff", "Yes", "No", "3", "4"],
           ["2", "Minutes", MINUTES, "Operations", "Staff", "Yes", "No", "3", "4"]]  # fmt: skip
    source = _write(folder / "intake.csv", new, HEAD)
    imported = import_inventory(source, load_mapping(mapping))
    return save_portfolio(imported.portfolio, folder / "portfolio.yaml")


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory, mapping: Path) -> OwnDeterminations:
    inventory = _inventory(tmp_path_factory.mktemp("own") / "earlier.csv")
    return fit_own_determinations(
        inventory, mapping=mapping, label_column="Determination", positive=["Flagged"]
    )


def _cases(tmp_path: Path, mapping: Path) -> Portfolio:
    from usecase_kit.portfolio import load_portfolio

    return load_portfolio(_portfolio(tmp_path, mapping))


def test_the_model_scores_as_scikit_learn_does(fitted: OwnDeterminations, mapping: Path,
                                               tmp_path: Path) -> None:  # fmt: skip
    import numpy as np

    from usecase_kit.risk.own import _classifier

    inventory = _inventory(tmp_path / "earlier.csv")
    rows = list(csv.DictReader(inventory.open(encoding="utf-8")))
    texts = [f"{r['Title']}\n{r['Summary']}" for r in rows]
    y = np.array([r["Determination"] == "Flagged" for r in rows])
    pipeline = _classifier().fit(np.array(texts, dtype=object), y)
    probe = [TENANCY, MINUTES, "Tags the tenancy team's supplier documents", "nothing known"]
    expected = pipeline.predict_proba(np.array(probe, dtype=object))[:, 1]
    # the fitted texts also hold the context fields (Users): compare with a refit on them
    own = [fitted.probability(t) for t in probe]
    assert own[0] > fitted.threshold > own[1]
    assert np.argsort(own).tolist() == np.argsort(expected).tolist()
    # bit for bit against scikit-learn on the model's own training texts
    from usecase_kit.precedent import query_text

    cases = import_inventory(inventory, load_mapping(mapping),
                             exclude_columns=["Determination"]).portfolio  # fmt: skip
    train = np.array([query_text(u) for u in cases], dtype=object)
    again = _classifier().fit(train, y).predict_proba(train)[:, 1]
    assert [fitted.probability(t) for t in train] == pytest.approx(again.tolist(), abs=1e-12)


def test_the_word_the_rules_cannot_read_is_raised_for_review(
    fitted: OwnDeterminations, mapping: Path, tmp_path: Path
) -> None:
    portfolio = _cases(tmp_path, mapping)
    tenancy, minutes = portfolio.get("uc-1"), portfolio.get("uc-2")
    rules = load_rules()
    assert classify(tenancy, rules).tier not in {"high_scrutiny", "prohibited"}  # without it
    learned = attach(rules, fitted)
    raised = classify(tenancy, learned)
    assert raised.tier == "high_scrutiny" and raised.for_review
    evidence = next(e for e in raised.evidence if e.rule_id == OWN_RULE_ID)
    assert evidence.kind == "own_determinations"
    figures = dict(evidence.figures)
    assert figures["probability"] >= figures["threshold"] == pytest.approx(fitted.threshold, 1e-3)
    assert figures["cv_recall"] >= 0.85 and 0 < figures["cv_precision"] <= 1
    assert "earlier.csv" in evidence.reason and "cross-validation" in evidence.reason
    assert evidence.as_dict()["figures"]["probability"] == figures["probability"]
    assert classify(minutes, learned).tier == classify(minutes, rules).tier  # unlike: untouched
    assert attached(rules) is None  # attaching copies: the shipped rules stay as they were


def test_it_never_lowers_nor_reaches_prohibited(fitted: OwnDeterminations) -> None:
    from usecase_kit.portfolio import UseCase

    def case(description: str) -> UseCase:
        return UseCase(id="x", name="Tenancy team helper", description=description,
                       business_unit="Operations", category="other", audience="internal",
                       human_review="none", data_sensitivity="personal")  # fmt: skip

    banned = case("Infers the emotions of employees in the workplace from webcam video, for "
                  "the tenancy team's files.")  # fmt: skip
    plain = classify(banned, load_rules())
    learned = classify(banned, attach(load_rules(), fitted))
    assert plain.tier == learned.tier == "prohibited"
    assert OWN_RULE_ID not in learned.rule_ids  # a prohibited tier gains no review signal
    assert fitted.use_case_probability(banned) >= fitted.threshold  # although it would fire


def _app() -> typer.Typer:
    application = typer.Typer()
    register(application)
    return application


def test_score_option_shows_the_evidence_and_without_it_nothing(
    mapping: Path, tmp_path: Path
) -> None:
    portfolio = _portfolio(tmp_path, mapping)
    inventory = _inventory(tmp_path / "earlier.csv")
    runner = CliRunner()
    plain = runner.invoke(_app(), ["score", str(portfolio), "--format", "json"])
    assert plain.exit_code == 0, plain.output
    before = {r["id"]: r for r in json.loads(plain.output)}
    assert before["uc-1"]["tier"] != "high_scrutiny"
    assert not any(e["rule_id"] == OWN_RULE_ID for r in before.values() for e in r["tier_evidence"])
    own = ["--own-determinations", str(inventory), "--mapping", str(mapping),
           "--label-column", "Determination", "--positive", "Flagged"]  # fmt: skip
    learned = runner.invoke(_app(), ["score", str(portfolio), "--format", "json", *own])
    assert learned.exit_code == 0, learned.output
    rows = {r["id"]: r for r in json.loads(learned.stdout)}
    assert rows["uc-1"]["tier"] == "high_scrutiny" and rows["uc-1"]["tier_for_review"]
    evidence = next(e for e in rows["uc-1"]["tier_evidence"] if e["rule_id"] == OWN_RULE_ID)
    assert evidence["figures"]["probability"] >= evidence["figures"]["threshold"]
    assert OWN_RULE_ID in rows["uc-1"]["tier_reasons"]
    assert rows["uc-2"]["tier"] == before["uc-2"]["tier"]
    assert "own determinations: 36 labelled rows" in learned.stderr
    table = runner.invoke(_app(), ["score", str(portfolio), *own])
    assert "For review, not a rule: the client's own earlier determinations" in table.stdout


def test_config_round_trips_and_the_kernel_reads_the_same_model(
    fitted: OwnDeterminations, mapping: Path, tmp_path: Path
) -> None:
    import hashlib

    saved = fitted.save(tmp_path / "run" / "own_determinations.npz")
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    config = RunConfig(own_determinations=str(saved), own_determinations_sha256=digest)
    config.write(tmp_path / "run" / "config.json")
    read = RunConfig.read(tmp_path / "run" / "config.json")
    assert read == config
    setup = read.load()  # what every pack kernel does
    model = attached(setup.rules)
    assert model is not None and model.threshold == fitted.threshold
    assert any(s.role == "own_determinations" and s.sha256 == digest for s in setup.sources)
    tenancy = _cases(tmp_path, mapping).get("uc-1")
    assert model.use_case_probability(tenancy) == fitted.use_case_probability(tenancy)
    parent = classify(tenancy, attach(load_rules(), fitted))
    kernel = classify(tenancy, setup.rules)
    assert [e.as_dict() for e in kernel.evidence] == [e.as_dict() for e in parent.evidence]
    saved.write_bytes(saved.read_bytes() + b"x")  # a changed model is refused, never refitted
    with pytest.raises(ConfigError, match="changed since the run recorded it"):
        read.load()


@pytest.mark.slow
def test_a_pack_states_the_parents_probability(
    fitted: OwnDeterminations, mapping: Path, tmp_path: Path
) -> None:
    from usecase_kit.packs import OWN_DETERMINATIONS_FILE, build_packs

    portfolio = _portfolio(tmp_path, mapping)
    run = build_packs(portfolio, tmp_path / "out", use_case_ids=["uc-1"],
                      own_determinations=fitted, workers=1)  # fmt: skip
    assert not run.failed, run.items
    config = RunConfig.read(run.run_dir / "config.json")
    assert config.own_determinations == str(run.run_dir / OWN_DETERMINATIONS_FILE)
    results = json.loads((run.run_dir / "uc-1" / "results.json").read_text())
    evidence = next(e for e in results["tier"]["evidence"] if e["rule_id"] == OWN_RULE_ID)
    tenancy = _cases(tmp_path, mapping).get("uc-1")
    expected = round(fitted.use_case_probability(tenancy), 4)
    assert evidence["figures"]["probability"] == expected
    assert results["tier"]["tier"] == "high_scrutiny" and results["tier"]["for_review"]
    html = (run.run_dir / "uc-1" / "decision_pack.html").read_text()
    html = html.replace("&#39;", "'")
    assert "own earlier determinations (earlier.csv, 36 labelled rows" in html  # the reasons
    assert "raised to high scrutiny by the client's own earlier determinations" in html  # banner


def test_too_few_labelled_rows_is_a_clear_error(mapping: Path, tmp_path: Path) -> None:
    inventory = _inventory(tmp_path / "small.csv", positives=3, negatives=10)
    with pytest.raises(InputError, match=r"3 positive and 10 negative.*at least 5 of each"):
        fit_own_determinations(inventory, mapping=mapping, label_column="Determination",
                               positive=["Flagged"])  # fmt: skip


def test_a_label_column_absent_is_named(mapping: Path, tmp_path: Path) -> None:
    inventory = _inventory(tmp_path / "earlier.csv")
    with pytest.raises(InputError, match="no label column 'Verdict'"):
        fit_own_determinations(inventory, mapping=mapping, label_column="Verdict",
                               positive=["Flagged"])  # fmt: skip


def test_a_positive_value_that_never_occurs_is_warned(mapping: Path, tmp_path: Path) -> None:
    inventory = _inventory(tmp_path / "earlier.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = fit_own_determinations(inventory, mapping=mapping, label_column="Determination",
                                       positive=["Flagged", "High impact"])  # fmt: skip
    assert any("'High impact' never occurs" in str(w.message) for w in caught)
    assert model.facts["positives"] == 12
    result = CliRunner().invoke(_app(), [
        "score", str(_portfolio(tmp_path, mapping)), "--own-determinations", str(inventory),
        "--mapping", str(mapping), "--label-column", "Determination",
        "--positive", "Flagged,High impact"])  # fmt: skip
    assert result.exit_code == 0 and "warning:" in result.stderr and "High impact" in result.stderr


def test_a_mapping_naming_a_missing_column_is_named(mapping: Path, tmp_path: Path) -> None:
    inventory = _inventory(tmp_path / "earlier.csv")
    text = mapping.read_text(encoding="utf-8").replace("column: Summary", "column: Abstract")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="Abstract"):
        fit_own_determinations(inventory, mapping=broken, label_column="Determination",
                               positive=["Flagged"])  # fmt: skip


def test_options_without_the_file_or_label_are_refused(mapping: Path, tmp_path: Path) -> None:
    portfolio = str(_portfolio(tmp_path, mapping))
    lone = CliRunner().invoke(_app(), ["score", portfolio, "--label-column", "Determination"])
    assert lone.exit_code != 0 and "only apply with --own-determinations" in str(lone.exception)
    inventory = str(_inventory(tmp_path / "earlier.csv"))
    bare = CliRunner().invoke(_app(), ["score", portfolio, "--own-determinations", inventory])
    assert bare.exit_code != 0 and "needs --label-column" in str(bare.exception)


def test_packs_refuses_a_bad_label_column_before_any_folder(mapping: Path, tmp_path: Path) -> None:
    from usecase_kit.cli import main

    out = tmp_path / "run"
    args = ["packs", str(_portfolio(tmp_path, mapping)), "-o", str(out),
            "--own-determinations", str(_inventory(tmp_path / "earlier.csv")),
            "--mapping", str(mapping), "--label-column", "Verdict",
            "--positive", "Flagged"]  # fmt: skip
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2 and not out.exists()


def test_the_classifier_is_the_one_bench_tiers_measures() -> None:
    import importlib.util

    from usecase_kit.risk.own import _classifier

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_tiers.py"
    spec = importlib.util.spec_from_file_location("bench_tiers_for_own", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert repr(bench.classifier().get_params()) == repr(_classifier().get_params())
    assert bench.OWN_TARGET_RECALL == 0.85 and bench.OWN_MIN_EACH == 5
