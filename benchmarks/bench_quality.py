"""How well the evaluation detectors work on real, human-labelled data.

1. Groundedness on HaluEval QA (RUCAIBox/HaluEval, 250 questions, each with a faithful and a
   hallucinated answer): AUROC of the offline detector's hallucination score (1 - groundedness)
   against the bare baseline "share of answer words absent from the context", both in this run.
   Hallucinated answers are longer, so word count alone is reported too; only the
   length-matched pairs (answers differing by at most two words) say anything beyond length.
   The detector was designed on the *development* half of the pairs (sha256(pair_id) even) and
   frozen before the *held-out* half was scored; the headline figures are the held-out half's.
2. HaluEval general (298 ChatGPT answers, human-labelled, no context): the same detector with the
   question as its only context. A groundedness detector has nothing to check such answers
   against, so this is expected to be near chance; it is reported so that nobody reads more
   into the detector than it can do.
3. Intent routing on banking77 (308 queries, 77 intents): the offline baseline is BM25 nearest
   neighbour over the other queries (leave-one-out; the intent names are indexed as documents
   too), scored with the package's intent_accuracy and intent_macro_f1 metrics, against BM25
   over the intent names alone and the majority class.
4. BBQ (75 groups, 300 items): the offline baseline reads each item (BM25 finds the context
   sentence closest to the question and answers the person it names; with none or both named it
   answers "unknown"), scored with ``bias.bbq_scores``; against a reader that never abstains
   and a probe that always gives the stereotyped answer (a check that the bias scores see bias).

Usage: python benchmarks/bench_quality.py [--halueval-qa PATH] [--halueval-general PATH]
       [--bbq PATH] [--intents PATH] [--seed N]
Ends with one line: halueval_qa_auroc=… halueval_qa_len_matched_auroc=… halueval_general_auroc=…
intent_acc=… bbq_ambig_acc=…
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from usecase_kit.evaluation import evaluate
from usecase_kit.evaluation.bias import BBQItem, bbq_scores, parse_choice
from usecase_kit.evaluation.groundedness import groundedness, unsupported_word_share
from usecase_kit.evaluation.registry import Case
from usecase_kit.evaluation.stats import auroc
from usecase_kit.providers.offline import BM25, tokenize

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MAX_WORD_GAP = 2  # length-matched: the two answers differ by at most this many words


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def hallucination_score(answer: str, context: str) -> float:
    score = groundedness(answer, context).score
    return 1.0 if math.isnan(score) else 1.0 - score


def whitespace_absent(answer: str, context: str) -> float:
    """The baseline as often written: whitespace tokens, case kept (punctuation sticks)."""
    words, present = answer.split(), set(context.split())
    return sum(w not in present for w in words) / len(words) if words else 0.0


DETECTORS: dict[str, Callable[[str, str], float]] = {
    "detector": hallucination_score,
    "absent_words": unsupported_word_share,
    "absent_words_ws": whitespace_absent,
    "word_count": lambda answer, _: float(len(answer.split())),
}


def is_development(pair_id: str) -> bool:
    return int(hashlib.sha256(pair_id.encode()).hexdigest()[:8], 16) % 2 == 0


def halueval_qa(path: Path, seed: int) -> dict[str, float]:
    pairs: dict[str, dict[str, dict[str, Any]]] = {}
    for row in read_jsonl(path):
        pairs.setdefault(row["metadata"]["pair_id"], {})[row["label"]] = row
    subsets = {
        "all": list(pairs),
        "len_matched": [p for p, r in pairs.items() if _word_gap(r) <= MAX_WORD_GAP],
    }
    figures: dict[str, float] = {}
    print(f"HaluEval QA: {len(pairs)} pairs, {len(subsets['len_matched'])} length-matched")
    print(f"  {'subset':<24}{'pairs':>6}" + "".join(f"{n:>17}" for n in DETECTORS))
    for split, keep in (("", lambda p: True), ("heldout_", lambda p: not is_development(p)),
                        ("dev_", is_development)):  # fmt: skip
        for name, ids in subsets.items():
            chosen = [p for p in ids if keep(p)]
            row = {d: _auroc_pairs(pairs, chosen, f, seed) for d, f in DETECTORS.items()}
            for d, (value, low, high) in row.items():
                figures[f"{split}{name}_{d}"] = value
                figures[f"{split}{name}_{d}_ci"] = (low, high)  # type: ignore[assignment]
            cells = "".join(f"{v:>7.3f} [{lo:.2f},{hi:.2f}]" for v, lo, hi in row.values())
            print(f"  {(split or 'all_') + name:<24}{len(chosen):>6}{cells}")
    figures["heldout_accuracy"], figures["threshold"] = _heldout_accuracy(pairs)
    print(f"  accuracy at the threshold best on the development half ({figures['threshold']:.3f}), "
          f"on the held-out half: {figures['heldout_accuracy']:.3f} (the HaluEval paper's "
          "ChatGPT judge: about 63%)")  # fmt: skip
    return figures


def _heldout_accuracy(pairs: dict[str, dict[str, dict[str, Any]]]) -> tuple[float, float]:
    """Accuracy of "hallucinated" above a threshold chosen on the development half only."""

    def scored(dev: bool) -> list[tuple[float, bool]]:
        return [
            (hallucination_score(r["answer"], r["context"]), label == "hallucinated")
            for p, pair in pairs.items() if is_development(p) == dev
            for label, r in pair.items()
        ]  # fmt: skip

    def accuracy(rows: list[tuple[float, bool]], cut: float) -> float:
        return sum((s > cut) == y for s, y in rows) / len(rows)

    dev = scored(True)
    cut = max(sorted({s for s, _ in dev}), key=lambda c: accuracy(dev, c))
    return accuracy(scored(False), cut), cut


def _word_gap(pair: dict[str, dict[str, Any]]) -> int:
    return abs(
        len(pair["faithful"]["answer"].split()) - len(pair["hallucinated"]["answer"].split())
    )


def _auroc_pairs(
    pairs: dict[str, dict[str, dict[str, Any]]], ids: Sequence[str], detector: Any, seed: int
) -> tuple[float, float, float]:
    """AUROC over both answers of each pair, with a bootstrap interval resampling pairs."""
    scored = [
        (detector(pairs[p][label]["answer"], pairs[p][label]["context"]), label == "hallucinated")
        for p in ids
        for label in ("faithful", "hallucinated")
    ]
    value = auroc([s for s, _ in scored], [y for _, y in scored])
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(1000):
        picked = rng.integers(0, len(ids), len(ids))
        sample = [scored[2 * i + k] for i in picked for k in (0, 1)]
        draws.append(auroc([s for s, _ in sample], [y for _, y in sample]))
    low, high = np.quantile(draws, [0.025, 0.975])
    return value, float(low), float(high)


def halueval_general(path: Path) -> float:
    rows = read_jsonl(path)
    labels = [r["label_int"] == 1 for r in rows]
    scores = [hallucination_score(r["answer"], r["context"] or r["question"]) for r in rows]
    length = auroc([float(len(r["answer"].split())) for r in rows], labels)
    value = auroc(scores, labels)
    print(f"HaluEval general: {len(rows)} answers ({sum(labels)} hallucinated), no context: "
          f"detector AUROC {value:.3f}, word count {length:.3f}")  # fmt: skip
    return value


def _label_words(label: str) -> str:
    return label.replace("_", " ")


def intents(path: Path) -> float:
    rows = read_jsonl(path)
    questions = [r["question"] for r in rows]
    labels = [r["reference_intent"] for r in rows]
    names = sorted(set(labels))
    predictions = {
        "bm25_knn_loo": [_nearest(questions, labels, names, i) for i in range(len(rows))],
        "bm25_label_names": [_by_name(q, names) for q in questions],
        "majority": [Counter(labels).most_common(1)[0][0]] * len(rows),
    }
    cases = [Case(r["id"], r["question"], expected_label=r["reference_intent"]) for r in rows]
    print(f"banking77: {len(rows)} queries, {len(names)} intents")
    headline = math.nan
    for name, predicted in predictions.items():
        frame = pd.DataFrame({"case_id": [c.id for c in cases], "output": predicted,
                              "status": "ok", "provider": name})  # fmt: skip
        result = evaluate(frame, cases, ["intent_accuracy", "intent_macro_f1"]).primary.metrics
        acc, f1 = result["intent_accuracy"], result["intent_macro_f1"]
        print(f"  {name:<18} accuracy {acc.value:.3f} [{acc.ci_low:.3f}, {acc.ci_high:.3f}]  "
              f"macro-F1 {f1.value:.3f} [{f1.ci_low:.3f}, {f1.ci_high:.3f}]")  # fmt: skip
        if name == "bm25_knn_loo":
            headline = acc.value
    return headline


def _nearest(questions: list[str], labels: list[str], names: list[str], i: int) -> str:
    others = [j for j in range(len(questions)) if j != i]
    docs = [questions[j] for j in others] + [_label_words(n) for n in names]
    doc_labels = [labels[j] for j in others] + names
    best = BM25(docs).top(questions[i], 1)
    return doc_labels[best[0][0]] if best else names[0]


def _by_name(question: str, names: list[str]) -> str:
    best = BM25([_label_words(n) for n in names]).top(question, 1)
    return names[best[0][0]] if best else names[0]


_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def read_bbq(item: BBQItem, abstain: bool | None) -> str:
    """The offline baseline on one BBQ item (see the module docstring); ``abstain=None`` is the
    probe that always gives the stereotyped answer (it must score s_DIS = s_AMB = +1)."""
    if abstain is None:
        other = next(i for i in range(3) if i not in (item.unknown, item.target))
        return item.options[item.target if item.negative else other]  # type: ignore[index]
    sentences = [s for s in _SENTENCES.split(item.context) if s.strip()]
    people = [i for i in range(3) if i != item.unknown]
    best = BM25(sentences).top(item.question, 1)
    sentence = set(tokenize(sentences[best[0][0]])) if best else set()
    named = [i for i in people if set(tokenize(item.options[i])) & sentence]
    if len(named) == 1:
        return item.options[named[0]]
    if abstain:
        return item.options[item.unknown]
    return item.options[named[0] if named else people[0]]


def bbq(path: Path) -> float:
    items = [BBQItem.from_record(r) for r in read_jsonl(path)]
    targeted = sum(i.target is not None for i in items)
    print(f"BBQ: {len(items)} items, {targeted} with an identifiable stereotyped target")
    headline = math.nan
    readers: tuple[tuple[str, bool | None], ...] = (
        ("abstaining_reader", True), ("never_abstains", False), ("stereotype_probe", None),
    )  # fmt: skip
    for name, abstain in readers:
        choices = [parse_choice(read_bbq(i, abstain), i.options, i.unknown) for i in items]
        table = bbq_scores(items, choices).set_index("category")
        overall = table.loc["all"]
        print(f"  {name:<18} ambiguous acc {overall['ambig_acc']:.3f} "
              f"[{overall['ambig_acc_ci_low']:.3f}, {overall['ambig_acc_ci_high']:.3f}]  "
              f"disambiguated acc {overall['disambig_acc']:.3f}  "
              f"s_DIS {overall['disambig_bias']:+.3f}  "
              f"s_AMB {overall['ambig_bias']:+.3f}")  # fmt: skip
        if abstain is True:
            headline = float(overall["ambig_acc"])
            per = table.drop(index="all")[["ambig_acc", "disambig_acc", "disambig_bias"]]
            print(per.round(3).to_string(header=True).replace("\n", "\n    ").join(["    ", ""]))
    return headline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--halueval-qa", type=Path, default=DATA / "hallucination/halueval_qa.jsonl"
    )
    parser.add_argument(
        "--halueval-general", type=Path, default=DATA / "hallucination/halueval_general.jsonl"
    )
    parser.add_argument("--bbq", type=Path, default=DATA / "bias/bbq.jsonl")
    parser.add_argument("--intents", type=Path, default=DATA / "golden/banking77_intents.jsonl")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    args = parser.parse_args()
    start = time.perf_counter()
    qa = halueval_qa(args.halueval_qa, args.seed)
    general = halueval_general(args.halueval_general)
    intent = intents(args.intents)
    ambiguous = bbq(args.bbq)
    print(f"(held-out half of the HaluEval QA pairs in the headline; all pairs: "
          f"{qa['all_detector']:.3f} overall, {qa['len_matched_detector']:.3f} length-matched "
          f"against {qa['len_matched_absent_words']:.3f} for the bare baseline; "
          f"{time.perf_counter() - start:.1f} s)")  # fmt: skip
    print(
        f"halueval_qa_auroc={qa['heldout_all_detector']:.3f} "
        f"halueval_qa_len_matched_auroc={qa['heldout_len_matched_detector']:.3f} "
        f"halueval_general_auroc={general:.3f} intent_acc={intent:.3f} "
        f"bbq_ambig_acc={ambiguous:.3f}"
    )


if __name__ == "__main__":
    main()
