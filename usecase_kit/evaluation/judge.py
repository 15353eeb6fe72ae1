"""LLM-as-judge for groundedness through the model gateway, and how far to trust it.

Every judge call goes through ``pilot.gateway.Gateway``, as a pilot's calls do: booked in the
workspace ledger against the use case's budget, cached, retried by the runner, guarded and
written to the audit trail (a judge evaluation under a cap never bills past it).

The rubric is a prompt template (``templates/prompts/groundedness_judge.md``) whose content
hash is its version, so every verdict names the rubric it was given. A reply that is not the
JSON the rubric asks for is kept as "unparsed" (no evidence), never a silent 0 or NaN. Before a
judge's verdicts are used as evidence, ``agreement`` compares them with human labels on the same
answers: true and false positive rates with Wilson intervals, and Cohen's kappa.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from usecase_kit.evaluation.registry import Case, Metric, Output
from usecase_kit.evaluation.stats import cohen_kappa, wilson_interval
from usecase_kit.providers.base import Provider

if TYPE_CHECKING:
    from usecase_kit.pilot.gateway import Gateway

__all__ = ["Agreement", "Judge", "JudgeVerdict", "agreement", "judge_metric"]

JUDGE_PROMPT = "groundedness_judge"
#: A rubric score from which the answer counts as grounded (Azure AI Evaluation's floor is 3;
#: METHODS.md §5.4 asks 4/5 for the medium and high-scrutiny tiers).
GROUNDED_FROM = 4

_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True)
class JudgeVerdict:
    """One graded answer: the 1-5 score (None when the reply could not be read)."""

    score: int | None
    grounded: bool | None
    reason: str
    unsupported_claims: tuple[str, ...]
    rubric_version: str
    judge_model: str
    status: str = "ok"  # "ok", "unparsed" or "failed"


class Judge:
    """Grades answers with a model: ``Judge(get_provider("openai:gpt-4o-mini"), gateway=...)``.

    ``gateway`` books, caches, guards and audits every call (``Gateway(workspace, use_case_id,
    budget_usd=...)``); without one, a gateway on the default workspace with no cap."""

    def __init__(
        self,
        provider: Provider,
        *,
        gateway: Gateway | None = None,
        prompt: str = JUDGE_PROMPT,
        grounded_from: int = GROUNDED_FROM,
    ) -> None:
        from usecase_kit.pilot.gateway import Gateway
        from usecase_kit.prompts import load_prompt

        self.provider = provider
        self.gateway = gateway if gateway is not None else Gateway()
        self.template = load_prompt(prompt)
        self.grounded_from = grounded_from

    @property
    def rubric_version(self) -> str:
        return f"{self.template.name}@{self.template.version}"

    def grade(self, question: str, context: str, answer: str) -> JudgeVerdict:
        """The judge's verdict on one answer; a failed call or odd reply is a verdict too."""
        from usecase_kit.evaluation.golden import GoldenCase

        messages = self.template.render(
            {"question": question, "context": context, "answer": answer}
        )
        ident = json.dumps([question, context, answer], ensure_ascii=False)
        case = GoldenCase(
            "judge-" + hashlib.sha256(ident.encode("utf-8")).hexdigest()[:16], question, "",
            context=context,
        )  # fmt: skip
        record = self.gateway.call(self.provider, self.template, case, messages,
                                   self.template.settings)  # fmt: skip
        if record.status != "ok":
            why = record.error_kind or record.status
            return self._verdict(None, f"judge call {record.status} ({why})", (), "failed")
        return self.parse(record.output)

    def parse(self, reply: str) -> JudgeVerdict:
        """Read the rubric's JSON reply (a code fence or text around it is tolerated)."""
        found = _OBJECT.search(reply)
        try:
            data: Any = json.loads(found.group(0)) if found else None
        except json.JSONDecodeError:
            data = None
        score = data.get("score") if isinstance(data, dict) else None
        if isinstance(score, bool) or not isinstance(score, int | float) or not 1 <= score <= 5:
            return self._verdict(None, f"unreadable reply: {reply[:80]!r}", (), "unparsed")
        claims = data.get("unsupported_claims") or []
        claims = tuple(str(c) for c in claims) if isinstance(claims, list) else (str(claims),)
        return self._verdict(round(score), str(data.get("reason", "")), claims, "ok")

    def _verdict(
        self, score: int | None, reason: str, claims: tuple[str, ...], status: str
    ) -> JudgeVerdict:
        grounded = None if score is None else score >= self.grounded_from
        return JudgeVerdict(
            score, grounded, reason, claims, self.rubric_version, self.provider.spec, status
        )


def judge_metric(judge: Judge, name: str = "judge_groundedness") -> Metric:
    """A rate metric: the share of answers the judge grades grounded (register it to gate on
    it: ``registry.register(judge_metric(judge))``). Unreadable verdicts are left out."""

    def score(case: Case, output: Output) -> bool | None:
        if not output.ok or not case.context or not output.text.strip():
            return None
        return judge.grade(case.question, case.context, output.text).grounded

    return Metric(
        name,
        "rate",
        score,
        f"LLM judge ({judge.provider.spec}, rubric {judge.rubric_version}) grades the answer "
        f">= {judge.grounded_from}/5 grounded",
        model_only=True,
        interval="wilson",
    )


@dataclass(frozen=True)
class Agreement:
    """A detector's (or judge's) flags against human labels; positive = "flagged as failing"."""

    n: int
    true_positive_rate: float
    tpr_ci: tuple[float, float]
    false_positive_rate: float
    fpr_ci: tuple[float, float]
    accuracy: float
    cohen_kappa: float


def agreement(flags: Sequence[bool | None], human: Sequence[bool]) -> Agreement:
    """How a judge's flags (True = it says the answer fails) match humans' (True = fails).

    Items the judge could not grade (None) are left out. TPR is the share of human-failed
    answers the judge flags; FPR the share of human-passed answers it flags anyway.
    """
    pairs = [(bool(f), bool(h)) for f, h in zip(flags, human, strict=True) if f is not None]
    tp = sum(f and h for f, h in pairs)
    fp = sum(f and not h for f, h in pairs)
    positives = sum(h for _, h in pairs)
    negatives = len(pairs) - positives
    n = len(pairs)
    accuracy = sum(f == h for f, h in pairs) / n if n else float("nan")
    return Agreement(
        n,
        tp / positives if positives else float("nan"),
        wilson_interval(tp, positives),
        fp / negatives if negatives else float("nan"),
        wilson_interval(fp, negatives),
        accuracy,
        cohen_kappa([f for f, _ in pairs], [h for _, h in pairs]),
    )
