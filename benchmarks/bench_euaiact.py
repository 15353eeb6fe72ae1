"""How well the text alone places descriptions of AI systems under the EU AI Act, per language.

Each fixture line is one JSON object: `{"id", "lang", "text", "expected": {"prohibited": bool,
"art5": ["f"], "high_risk": bool, "annex3": ["4(a)"], "art50": bool}}` (a key of `expected`
left out is not scored), or, with `--format texty` (detected automatically), a line of
../shared/data/euaiact/texty_nl_dev.jsonl (`label`: high_risk | low_risk, `area`). Every text
is classified as `usecase-kit triage` classifies it (text only: neutral recorded fields, no
questionnaire answers, no precedent), with the reader's `--method` (lexicon, embedding or
combined; default the rules file's).

Figures: prohibited recall (tier prohibited, over rows expected prohibited); high-risk recall
(tier high scrutiny or prohibited, over rows expected high-risk and not prohibited); Art. 50
recall (any Art. 50 duty suggested, or the rules' EU_ART50, over rows expected art50); negative
specificity (tier below high scrutiny, over rows whose every expected flag is false); Art. 5
letter accuracy (a suggested letter among the expected, over rows expected prohibited with
letters and flagged prohibited); Annex III point accuracy (a suggested or cited point among the
expected, over rows with expected points flagged high scrutiny or prohibited). Per-language
lines first, the last line over all rows.

Usage: python benchmarks/bench_euaiact.py --fixtures FILE.jsonl [--fixtures FILE2 ...]
       [--method lexicon|embedding|combined] [--format auto|euaiact|texty] [--show-errors N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from usecase_kit.errors import InputError, UsecaseKitError
from usecase_kit.risk.evidence import TierResult
from usecase_kit.risk.triage import TriageRow, text_use_case, triage_use_cases

FLAGGED = {"high_scrutiny", "prohibited"}
#: texty's `area` → the Annex III area it names (for the area line of a texty run).
TEXTY_AREAS = {
    "biometric": "1",
    "critical_infrastructure": "2",
    "education": "3",
    "work_hr": "4",
    "essential_services": "5",
    "law_enforcement": "6",
    "migration_border": "7",
    "justice_democracy": "8",
}
_ANNEX_POINT = re.compile(r"Annex III (\d)(?:\(([a-e])\)(?:-\(([a-e])\))?)?")


@dataclass
class Case:
    id: str
    lang: str
    text: str
    expected: dict[str, Any]
    area: str | None = None


@dataclass
class Tally:
    hits: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.hits += int(ok)
        self.total += 1

    def rate(self) -> str:
        return f"{self.hits / self.total:.3f}" if self.total else "n/a"


@dataclass
class Scores:
    n: int = 0
    prohibited: Tally = field(default_factory=Tally)
    high_risk: Tally = field(default_factory=Tally)
    art50: Tally = field(default_factory=Tally)
    negative: Tally = field(default_factory=Tally)
    letter: Tally = field(default_factory=Tally)
    point: Tally = field(default_factory=Tally)
    area: Tally = field(default_factory=Tally)
    not_read: int = 0  # rows whose language the reader did not read

    def line(self) -> str:
        return (
            f"n={self.n} prohibited_recall={self.prohibited.rate()} "
            f"high_risk_recall={self.high_risk.rate()} art50_recall={self.art50.rate()} "
            f"negative_specificity={self.negative.rate()} "
            f"art5_letter_accuracy={self.letter.rate()} "
            f"annex3_point_accuracy={self.point.rate()}"
        )


def _texty(raw: dict[str, Any], where: str) -> Case:
    label = raw.get("label")
    if label not in ("high_risk", "low_risk"):
        raise InputError(f"{where}: label {label!r} is neither high_risk nor low_risk.")
    expected = {"high_risk": label == "high_risk"}
    area = TEXTY_AREAS.get(str(raw.get("area"))) if label == "high_risk" else None
    return Case(str(raw["id"]), str(raw.get("lang", "nl")), str(raw["text"]), expected, area)


def read_fixtures(path: Path, fmt: str) -> list[Case]:
    """The fixture rows; each bad line is an error naming the file, line and key."""
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the fixtures ({exc}).") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON ({exc.msg}).") from None
        if not isinstance(raw, dict) or not str(raw.get("text") or "").strip():
            raise InputError(f"{where}: each line must be an object with a non-empty 'text'.")
        texty = fmt == "texty" or (fmt == "auto" and "label" in raw and "expected" not in raw)
        if texty:
            cases.append(_texty(raw, where))
            continue
        expected = raw.get("expected")
        if not isinstance(expected, dict):
            raise InputError(f"{where}: 'expected' must be an object (see the module docstring).")
        cases.append(
            Case(str(raw.get("id", number)), str(raw.get("lang", "?")), raw["text"], expected)
        )
    return cases


def _letters(result: TierResult) -> set[str]:
    found = {
        e.rule_id.removeprefix("READ_art5.")
        for e in result.evidence
        if e.rule_id.startswith("READ_art5.")
    }
    for evidence in result.evidence:
        if evidence.rule_id.startswith("EU_ART5_1"):
            found.add(evidence.rule_id.split("_")[2][-1].lower())
    return found


def _points(result: TierResult) -> set[str]:
    """Points the reader suggested, and those the rules that set a high floor cite."""
    found = {
        e.rule_id.removeprefix("READ_annex3.")
        for e in result.evidence
        if e.rule_id.startswith("READ_annex3.")
    }
    for evidence in result.evidence:
        if evidence.kind != "rule" or evidence.tier not in FLAGGED:
            continue
        for basis in evidence.basis:
            for area, first, last in _ANNEX_POINT.findall(basis.point):
                if not first:
                    found.add(area)
                    continue
                for letter in "abcde"[("abcde".index(first)) : "abcde".index(last or first) + 1]:
                    found.add(f"{area}({letter})")
    return found


def _art50(result: TierResult) -> bool:
    return any(
        e.rule_id.startswith("READ_art50") or e.rule_id == "EU_ART50" for e in result.evidence
    )


def score(case: Case, row: TriageRow, scores: Scores) -> list[str]:
    """Add one row to `scores`; returns what it got wrong (for --show-errors)."""
    result, expected, wrong = row.result, case.expected, []
    scores.n += 1
    scores.not_read += row.reading.language is None
    flagged = result.tier in FLAGGED
    if expected.get("prohibited") is True:
        scores.prohibited.add(result.tier == "prohibited")
        if result.tier != "prohibited":
            wrong.append("missed prohibited")
        letters = set(expected.get("art5") or [])
        if letters and result.tier == "prohibited":
            scores.letter.add(bool(letters & _letters(result)))
    if expected.get("high_risk") is True and expected.get("prohibited") is not True:
        scores.high_risk.add(flagged)
        if not flagged:
            wrong.append("missed high-risk")
    points = set(expected.get("annex3") or [])
    if points and flagged:
        found = _points(result)
        scores.point.add(bool(points & found))
        if not points & found:
            wrong.append(f"point {sorted(found)} not {sorted(points)}")
    if case.area and flagged:
        scores.area.add(any(p.split("(")[0] == case.area for p in _points(result)))
    if expected.get("art50") is True:
        scores.art50.add(_art50(result))
        if not _art50(result):
            wrong.append("missed art50")
    flags = [v for k, v in expected.items() if k in ("prohibited", "high_risk", "art50")]
    if flags and not any(flags):
        scores.negative.add(not flagged)
        if flagged:
            wrong.append(f"false {result.tier}")
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fixtures", action="append", required=True, type=Path)
    parser.add_argument("--method", choices=["lexicon", "embedding", "combined"])
    parser.add_argument("--format", choices=["auto", "euaiact", "texty"], default="auto")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    try:
        cases = [c for path in args.fixtures for c in read_fixtures(path, args.format)]
        started = time.perf_counter()
        rows = triage_use_cases(
            (text_use_case(c.text, i) for i, c in enumerate(cases, start=1)), args.method
        )
    except UsecaseKitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    overall, per_lang, shown = Scores(), {}, 0
    for case, row in zip(cases, rows, strict=True):
        wrong = score(case, row, overall)
        score(case, row, per_lang.setdefault(case.lang, Scores()))
        if wrong and shown < args.show_errors:
            shown += 1
            print(f"[{case.lang} {case.id}] {'; '.join(wrong)}: {row.result.tier}; "
                  f"{[m[:90] for m in row.matched]} :: {case.text[:160]}")  # fmt: skip
    method = rows[0].reading.method if rows else args.method
    print(f"method={method} rows={len(rows)} seconds={seconds:.1f}")
    for lang in sorted(per_lang):
        line = per_lang[lang].line()
        line += f" not_read={per_lang[lang].not_read}"
        if per_lang[lang].area.total:
            line += f" texty_area_accuracy={per_lang[lang].area.rate()}"
        print(f"lang={lang} {line}")
    print(overall.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
