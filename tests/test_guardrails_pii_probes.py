"""Issue 23's probes: ordinary words are not personal data, personal data written in unusual
ways is; the client's allow-list; findings that say what to do.

Every probe the issue names is one case here. NER cases skip without the spaCy model; the
pattern cases also run without it. Planted values are synthetic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("presidio_analyzer")

import typer
from typer.testing import CliRunner

from usecase_kit.errors import InputError
from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.guardrails.allowlist import ALLOW_FILE, add_allowed, check_entry, read_allowed
from usecase_kit.guardrails.chain import build_hooks
from usecase_kit.guardrails.pii import PiiConfig, PiiScanner
from usecase_kit.guardrails.pii_engine import model_installed
from usecase_kit.guardrails.preflight import preflight
from usecase_kit.guardrails.redact import redact

needs_model = pytest.mark.skipif(not model_installed(), reason="spaCy model not installed")
NER = PiiScanner(PiiConfig(mode="ner")) if model_installed() else None
PATTERNS = PiiScanner(PiiConfig(mode="patterns"))

#: Not personal data: each flagged by the scanner before issue 23.
NOT_PERSONAL = [
    "We sell in France and Europe.",
    "Our markets are London, Asia and the United States.",
    "You are an AI assistant for Acme Mutual customers.",
    "The Hotel and airport networks are covered by the policy.",
    "The office is open Monday to Friday.",
    "Restart Windows Server after the update.",
    "Follow Standard Precautions when handling waste.",
    "Covid cases rose this winter.",
    "Corona cases rose this winter.",
    "Version 10.2.3.4 is installed.",
    "Apply the b1 tag to the ticket.",
    "The World Health Organization announced a new name in 2020.",
    "Wash your hands often.",
]
#: Personal data: (text, the words that must be found, kind).
PERSONAL = [
    ("priya and tom booked a room.", "priya", "PERSON"),
    ("priya and tom booked a room.", "tom", "PERSON"),
    ("hello, my name is priya sharma and I need help", "priya sharma", "PERSON"),
    ("Her NI number is AB-12-34-56-C.", "AB-12-34-56-C", "UK_NINO"),
    ("i live at 10 acacia avenue, leeds ls1 4ap", "10 acacia avenue, leeds ls1 4ap",
     "STREET_ADDRESS"),
    ("Driving licence MORGA753116SM9IJ", "MORGA753116SM9IJ", "UK_DRIVING_LICENCE"),
    ("Write to bob@corp.local today", "bob@corp.local", "EMAIL_ADDRESS"),
    ("or to alice@test.example", "alice@test.example", "EMAIL_ADDRESS"),
    ('<a href="mailto:jane.doe@firm.co.uk">mail</a>', "jane.doe@firm.co.uk", "EMAIL_ADDRESS"),
    ("email me at jane dot doe at gmail dot com", "jane dot doe at gmail dot com",
     "EMAIL_ADDRESS"),
    ("call me on oh seven seven double oh nine one two three four five six",
     "oh seven seven double oh nine one two three four five six", "PHONE_NUMBER"),
    ("Call +33.1.23.45.67.89 today", "+33.1.23.45.67.89", "PHONE_NUMBER"),
]  # fmt: skip
#: Where a place or organisation locates or identifies a person, it still counts.
LOCATING = [
    ("I'm Ann Lee, originally from Norway.", "Norway", "LOCATION"),
    ("Mr. Okafor moved here from Portugal last year.", "Portugal", "LOCATION"),
    ("Sven Hedlund works for Pixia Corp.", "Pixia Corp.", "ORGANIZATION"),
    ("She was born on 10 May 1971 in Leeds.", "10 May 1971", "DATE_TIME"),
]


def found(scanner: PiiScanner, text: str) -> dict[str, str]:
    return {text[f.start : f.end]: f.kind for f in scanner.scan(text) if f.score >= 0.5}


@needs_model
@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_ordinary_words_are_not_personal_data(text: str) -> None:
    assert NER is not None
    assert found(NER, text) == {}


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_ordinary_words_pass_the_patterns_too(text: str) -> None:
    assert found(PATTERNS, text) == {}


@needs_model
@pytest.mark.parametrize(("text", "words", "kind"), PERSONAL + LOCATING)
def test_personal_data_is_found(text: str, words: str, kind: str) -> None:
    assert NER is not None
    assert found(NER, text).get(words) == kind


@pytest.mark.parametrize(("text", "words", "kind"), PERSONAL)
def test_personal_data_is_found_without_the_model(text: str, words: str, kind: str) -> None:
    assert found(PATTERNS, text).get(words) == kind


def test_a_dotted_international_number_is_redacted_whole() -> None:
    text = "Call +33.1.23.45.67.89 today"
    assert redact(text, PATTERNS.scan(text)) == "Call <PHONE_1> today"


@needs_model
def test_the_allow_list_lets_the_clients_names_through() -> None:
    text = "Sven Hedlund works for Pixia Corp."
    plain = PiiScanner(PiiConfig(mode="ner"))
    allowed = PiiScanner(PiiConfig(mode="ner", allow=("pixia corp",)))
    assert "Pixia Corp." in found(plain, text)
    assert found(allowed, text) == {"Sven Hedlund": "PERSON"}


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("jane.doe@example.org", "EMAIL_ADDRESS"),
        ("+44 20 7946 0958", "PHONE_NUMBER"),
        ("AB 12 34 56 C", "UK_NINO"),
        ("", "empty"),
    ],
)
def test_an_allow_list_entry_that_is_personal_data_is_refused(entry: str, reason: str) -> None:
    assert reason in check_entry(entry)


def test_allow_list_file_adds_reads_and_refuses(tmp_path: Path) -> None:
    path = tmp_path / ALLOW_FILE
    assert add_allowed(path, ["Acme Mutual", "Harrogate"]) == ["Acme Mutual", "Harrogate"]
    assert add_allowed(path, ["Acme Mutual"]) == []
    assert read_allowed([path]) == ("Acme Mutual", "Harrogate")
    with pytest.raises(InputError, match=r"ann@example\.org.*EMAIL_ADDRESS"):
        add_allowed(path, ["Widgets", "ann@example.org"])
    assert read_allowed([path]) == ("Acme Mutual", "Harrogate")  # nothing half-written
    path.write_text(path.read_text() + "07700 900123\n")
    with pytest.raises(InputError, match=r"line 5: '07700 900123'"):
        read_allowed([path])


def test_cli_pii_allow_adds_a_word_and_refuses_an_address(tmp_path: Path) -> None:
    from usecase_kit.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["pii", "allow", "Acme Mutual", "--workspace", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "allowed: Acme Mutual" in out.output
    assert "Acme Mutual" in (tmp_path / ALLOW_FILE).read_text()
    bad = runner.invoke(app, ["pii", "allow", "bob@corp.local", "--workspace", str(tmp_path)])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, InputError)
    assert "EMAIL_ADDRESS" in str(bad.exception)
    listed = runner.invoke(app, ["pii", "list", "--workspace", str(tmp_path)])
    assert "1 entry" in listed.output


def test_the_workspace_allow_list_reaches_the_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USECASE_KIT_HOME", str(tmp_path))
    add_allowed(tmp_path / ALLOW_FILE, ["Acme Mutual"])
    chain = build_hooks("medium_confidence")
    pii = next(s.scanner for s in chain.steps if s.scanner.name == "pii")
    assert "Acme Mutual" in pii.config.allow  # type: ignore[attr-defined]


def test_a_finding_names_its_words_detector_score_and_fix() -> None:
    text = "Please email ann.lee@example.org the form"
    report = preflight([GoldenCase("p1", text, "Sent.")], tier="medium_confidence")
    line = next(d for d in report.details if "EMAIL" in d)
    assert "'ann.lee@example.org'" in line
    assert "golden:p1.question" in line
    assert "characters 13-32" in line
    assert "EmailRecognizer" in line and "score 1.00" in line
    assert "usecase-kit pii allow" in line and "templates/guardrails.yaml" in line
    assert "ann.lee" not in str(report.summary())  # the pack's summary never holds the words


def test_cli_is_registered() -> None:
    from usecase_kit.cli import app

    assert isinstance(app, typer.Typer)
    out = CliRunner().invoke(app, ["pii", "scan", "Call +33.1.23.45.67.89 today"])
    assert "'+33.1.23.45.67.89' at 5-22: PHONE_NUMBER" in out.output
    assert "fix:" in out.output


def test_the_label_operator_reads_as_prose() -> None:
    from usecase_kit.guardrails.base import Finding

    text = "Call Ann Lee or Bob Ray on +44 20 7946 0958; Ann Lee knows."
    spans = [(5, 12, "PERSON"), (16, 23, "PERSON"), (27, 43, "PHONE_NUMBER"), (45, 52, "PERSON")]
    findings = [Finding("pii", kind, (a, b), kind, 0.9) for a, b, kind in spans]
    assert redact(text, findings, "label") == ("Call ⟨name⟩ or ⟨name 2⟩ on ⟨phone⟩; ⟨name⟩ knows.")


def test_shipped_storage_redaction_is_legible() -> None:
    chain = build_hooks("high_confidence", allow=())
    assert chain.storage_operator == "label"
    assert chain.redact_for_storage("Mail ann.lee@example.org today") == "Mail ⟨email⟩ today"


def test_a_workspace_allow_list_does_not_make_build_hooks_import_presidio(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / ALLOW_FILE).write_text("Acme Mutual\nHarrogate\n")
    code = (
        "import sys; from usecase_kit.guardrails import build_hooks; "
        "c = build_hooks('high_scrutiny'); "
        "print([m for m in ('presidio_analyzer', 'spacy') if m in sys.modules]); "
        "print(next(s.scanner.config.allow for s in c.steps if s.scanner.name == 'pii'))"
    )
    env = {**os.environ, "USECASE_KIT_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.splitlines() == ["[]", "('Acme Mutual', 'Harrogate')"]


def test_the_preflight_error_names_the_word_and_the_fix() -> None:
    from usecase_kit.guardrails.policy import GuardrailPolicy
    from usecase_kit.pilot import PilotPlan
    from usecase_kit.pilot.guard import Guards, preflight_plan

    data = {
        "version": "t",
        "controls": {},
        "storage": {"scanners": ["secrets"]},
        "tiers": {"high_confidence": {"pii": {"preflight": "block"}}},
        "pii": {"mode": "patterns"},
    }
    chain = build_hooks("high_confidence", policy=GuardrailPolicy.model_validate(data), allow=())
    cases = [GoldenCase("c1", "Mail bob@corp.local about the claim", "Done.")]
    plan = PilotPlan("uc", cases, "customer_answer", ["offline:baseline"], tier="high_confidence")
    with pytest.raises(InputError) as caught:
        preflight_plan(plan, Guards(chain, "high_confidence"))
    message = str(caught.value)
    assert "golden:c1.question 'bob@corp.local' (characters 5-19" in message
    assert "AnyDomainEmailRecognizer" in message and "fix:" in message


def test_a_portfolios_allow_list_reaches_its_pilots_guards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from usecase_kit.pilot.guard import guards_for

    monkeypatch.setenv("USECASE_KIT_HOME", str(tmp_path / "home"))
    client = tmp_path / "client"
    add_allowed(client / ALLOW_FILE, ["Acme Mutual"])
    for tier in ("medium_confidence", None):
        guards = guards_for(tier, "it-helpdesk", [client])
        scanners = [*guards.chain.storage_scanners, *(s.scanner for s in guards.chain.steps)]
        pii = [s for s in scanners if isinstance(s, PiiScanner)]
        assert pii and all(s.config.allow == ("Acme Mutual",) for s in pii)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / ALLOW_FILE).write_text("ann@example.org\n")
    with pytest.raises(InputError, match=r"line 1: 'ann@example\.org'"):
        guards_for("medium_confidence", "it-helpdesk", [bad])
