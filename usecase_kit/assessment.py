"""One use case's whole assessment: scorecard row, tier, pilot, evaluation, cost, TCO, decision.

This is the flow of docs/architecture.md as one call, so a notebook cell, the CLI and the pack
builder all run the same steps in the same order, with one configuration (`RunConfig`: rubric,
method, tolerance, rules, controls, decision policy, prices) for every stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit.config import OFFLINE_PROVIDER, RunConfig, Setup
from usecase_kit.decision import REVIEW_SHARE, Decision, decide
from usecase_kit.evaluation.results import EvalReport
from usecase_kit.evaluation.text import token_f1
from usecase_kit.portfolio import Portfolio, UseCase, load_portfolio
from usecase_kit.results import json_safe
from usecase_kit.risk import TIER_LABELS, Controls, TierResult, classify

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.costs import CostProjection
    from usecase_kit.costs.scenarios import ScenarioComparison
    from usecase_kit.costs.tco import TCO
    from usecase_kit.evaluation.gates import GateStamp
    from usecase_kit.pilot import PilotPlan, PilotRun
    from usecase_kit.results import PackResult

__all__ = [
    "OFFLINE_PROVIDER",
    "Assessment",
    "assess_use_case",
    "pack_assessment",
    "pilot_plan_for",
    "provider_for",
    "read_scorecard",
    "score_portfolio",
    "setup_of",
    "write_scorecard",
]

#: Tokens per request assumed when a use case has no pilot usage (a typical grounded chat turn);
#: the projection then says it rests on estimates only.
DEFAULT_TOKENS_PER_REQUEST = (1500.0, 400.0)
#: Calls in flight in a pack's pilot (each pack is one process; a batch runs several).
PILOT_CONCURRENCY = 4


@dataclass
class Assessment:
    """Everything a decision pack shows about one use case."""

    use_case: UseCase
    score_row: dict[str, Any]
    tier: TierResult
    controls: Controls
    decision: Decision
    provider: str
    setup: Setup
    endpoint: str | None = None
    pilot: pd.DataFrame | None = None
    pilot_summary: dict[str, Any] | None = None
    evaluation: EvalReport | None = None
    cost: CostProjection | None = None
    scenarios: ScenarioComparison | None = None
    tco: TCO | None = None
    guardrails: dict[str, Any] | None = None
    samples: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def is_baseline(self) -> bool:
        """True only when a pilot ran and its evidence is the offline baseline."""
        return self.evaluation is not None and self.evaluation.is_baseline

    @property
    def tier_label(self) -> str:
        return TIER_LABELS.get(self.tier.tier, self.tier.tier)

    @property
    def review_share(self) -> float:
        """The share of outputs a person reviews: what is planned, or what the tier requires."""
        planned = REVIEW_SHARE.get(self.use_case.human_review, 0.0)
        return max(planned, self.controls.human_review_share)

    def result(self) -> PackResult:
        from usecase_kit.pack_record import pack_result

        return pack_result(self)

    def to_dict(self) -> dict[str, Any]:
        """The pack's record as JSON-safe data (what results.json holds)."""
        return self.result().model_dump(mode="json")

    def save(self, path: str | Path) -> Path:
        """Write results.json atomically."""
        from usecase_kit.results import write_result

        return write_result(path, self.result())


def provider_for(use_case: UseCase, provider: str) -> str:
    """A full provider spec: 'openai' alone means the use case's target model on OpenAI."""
    return provider if ":" in provider else f"{provider}:{use_case.target_model}"


def setup_of(config: RunConfig | Setup | None) -> Setup:
    if isinstance(config, Setup):
        return config
    return (config or RunConfig()).load()


def score_portfolio(portfolio: Portfolio, setup: Setup) -> pd.DataFrame:
    """The scorecard under the configuration, with rank stability (WSM) for the ranked rows."""
    from usecase_kit.scoring import scorecard, sensitivity

    config = setup.config
    card = scorecard(
        portfolio, setup.rubric, setup.rules, method=config.method, tolerance=setup.tolerance
    )
    ranked = int((card["status"] == "ranked").sum())
    if config.method == "wsm" and ranked >= 2:
        stability = sensitivity(card, setup.rubric, seed=config.seed).table  # SAMPLES draws
        columns = ["id", "p_rank1", "p_topk", "rank_p5", "rank_p95"]
        card = card.merge(stability[columns], on="id", how="left")
    return card


def write_scorecard(card: pd.DataFrame, path: str | Path) -> Path:
    """The portfolio's scorecard as JSON records: a batch scores once, every pack reads it."""
    import json

    from usecase_kit._io import atomic_write_text

    records = [json_safe(r) for r in card.to_dict(orient="records")]
    return atomic_write_text(path, json.dumps(records, indent=2, ensure_ascii=False))


def read_scorecard(path: str | Path) -> pd.DataFrame:
    """A scorecard written by `write_scorecard`."""
    import json

    import pandas as pd

    from usecase_kit._config import read_text

    frame = pd.DataFrame(json.loads(read_text(Path(path), "scorecard")))
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


def _pilot_budget(
    use_case: UseCase, provider: str, n_calls: int, setup: Setup, notes: list[str]
) -> float | None:
    """A hard cap for a paid pilot, derived from the use case's cost quota (costs issue)."""
    from usecase_kit.costs import TokenEstimate, Volume, pilot_budget_cap, project_costs

    if provider == OFFLINE_PROVIDER or use_case.volume is None:
        return None
    volume = Volume(**use_case.volume.model_dump())
    price = setup.prices.lookup(use_case.target_model)
    estimate = TokenEstimate(*DEFAULT_TOKENS_PER_REQUEST)
    prior = project_costs(None, volume, price, tokens=estimate, n_sims=2000, seed=setup.config.seed)
    cap = pilot_budget_cap(prior, n_calls)
    if math.isnan(cap):
        notes.append("No pilot budget cap: the target model is unpriced.")
        return None
    from usecase_kit.formatting import usd

    notes.append(f"Pilot budget cap {usd(cap)} (P95 cost per request x {n_calls} calls + 15%).")
    return cap


@dataclass(frozen=True)
class _Pilot:
    run: PilotRun
    plan: PilotPlan
    endpoint: str | None
    stamp: GateStamp


def pilot_plan_for(
    portfolio: Portfolio, use_case: UseCase, tier: str, provider: str
) -> PilotPlan | None:
    """The plan a use case's pilot runs (None: it defines no pilot): its golden set (up to
    ``max_cases``), corpus, prompt and tier, on ``provider``. The one builder: pre-flight in
    ``packs`` checks exactly this plan before any kernel, and the kernel runs it."""
    from usecase_kit.evaluation.golden import load_golden, load_passages
    from usecase_kit.pilot import PilotPlan

    spec = use_case.pilot
    if spec is None:
        return None
    where = {"use_case": use_case.id}
    golden = portfolio.resolve(spec.golden_set, field="pilot.golden_set", **where)
    cases = load_golden(golden, limit=spec.max_cases)
    corpus = (
        [p.text for p in load_passages(portfolio.resolve(spec.corpus, field="pilot.corpus"))]
        if spec.corpus
        else []
    )
    from usecase_kit.prompts import portfolio_prompt_folder

    prompts_dir, _ = portfolio_prompt_folder(portfolio.source, spec.prompt)
    return PilotPlan(
        use_case_id=use_case.id,
        cases=cases,
        prompt=spec.prompt,
        models=[provider],
        corpus=corpus,
        tier=tier,
        concurrency=PILOT_CONCURRENCY,
        prompts_dir=prompts_dir,
    )


def _run_pilot(
    portfolio: Portfolio,
    use_case: UseCase,
    tier: str,
    provider: str,
    workspace: Path,
    setup: Setup,
    notes: list[str],
) -> _Pilot | None:
    from usecase_kit.pilot import run_pilot
    from usecase_kit.providers import get_provider

    plan = pilot_plan_for(portfolio, use_case, tier, provider)
    if plan is None:
        notes.append("No pilot is defined for this use case (no golden set).")
        return None
    from usecase_kit.prompts import portfolio_prompt_folder

    _, prompt_note = portfolio_prompt_folder(portfolio.source, plan.prompt)
    if prompt_note:  # the portfolio's own prompt wins over a shipped one of the same name
        notes.append(prompt_note)
    cases = plan.cases
    budget = _pilot_budget(use_case, provider, len(cases), setup, notes)
    model = get_provider(provider)
    stamp = _fix_gates(use_case.id, tier, workspace, setup)
    from usecase_kit.pilot.guard import guards_for

    folders = [portfolio.source.parent] if portfolio.source else []
    run = run_pilot(
        plan,
        workspace=workspace,
        prices=setup.prices,
        budget_usd=budget,
        providers={provider: model},
        guards=guards_for(tier, use_case.id, folders),  # the portfolio's pii_allow.txt too
    )
    return _Pilot(run, plan, getattr(model, "base_url", None), stamp)


def _fix_gates(use_case_id: str, tier: str, workspace: Path, setup: Setup) -> GateStamp:
    """Record the tier's gates before the first call, with their hash and time, so the pack
    can show they were not moved after the results were known."""
    from usecase_kit.evaluation.gates import stamp_gates
    from usecase_kit.evaluation.review import ReviewStore

    source = next((s.path for s in setup.sources if s.role == "controls"), "")
    stamp = stamp_gates(tier, setup.controls[tier].evaluations, source=source)  # type: ignore[index]
    with ReviewStore(workspace) as store:
        return store.fix_gates(use_case_id, stamp)


def _project(
    use_case: UseCase, usage: pd.DataFrame | None, setup: Setup, notes: list[str]
) -> tuple[CostProjection | None, ScenarioComparison | None]:
    from usecase_kit.costs import TokenEstimate, Volume, compare_scenarios, standard_scenarios

    if use_case.volume is None:
        notes.append("No monthly volume recorded: no cost projection.")
        return None, None
    volume = Volume(**use_case.volume.model_dump())
    price = setup.prices.lookup(use_case.target_model)
    ok = usage[usage["status"] == "ok"] if usage is not None else None
    tokens = None
    if ok is None or ok.empty:
        ok, tokens = None, TokenEstimate(*DEFAULT_TOKENS_PER_REQUEST)
        notes.append(
            f"No pilot usage: the cost rests on an assumed {tokens.input_tokens:,.0f} input and "
            f"{tokens.output_tokens:,.0f} output tokens per request."
        )
    elif bool(ok["is_baseline"].all()):
        notes.append(
            "Token counts come from the offline baseline: input tokens are the real prompt; "
            "output tokens are the retrieved passage, a stand-in for a model's answer."
        )
    comparison = compare_scenarios(
        ok, volume, price, standard_scenarios(), tokens=tokens, seed=setup.config.seed
    )
    return comparison.projections["baseline"], comparison


def _score_row(card: pd.DataFrame, use_case_id: str) -> dict[str, Any]:
    row = json_safe(card.set_index("id").loc[use_case_id].to_dict())
    row["id"] = use_case_id
    return dict(row)


def assess_use_case(
    portfolio: Portfolio | str | Path,
    use_case_id: str,
    *,
    workspace: str | Path,
    config: RunConfig | Setup | None = None,
    provider: str | None = None,
    card: pd.DataFrame | None = None,
    tier: TierResult | None = None,
) -> Assessment:
    """Score, tier, pilot, evaluate, cost and decide one use case of a portfolio.

    ``config`` is the run's configuration (default: the shipped rubric, rules, controls and
    prices); ``provider`` overrides its provider; ``card`` is the portfolio's scorecard when the
    caller scored it already (a batch scores once for every pack); ``tier`` the use case's
    classification when the caller made it already (it is not made twice).
    """
    setup = setup_of(config)
    if not isinstance(portfolio, Portfolio):
        portfolio = load_portfolio(portfolio, allowed_dirs=setup.config.data_dirs)
    use_case = portfolio.get(use_case_id)
    card = card if card is not None else score_portfolio(portfolio, setup)
    score_row = _score_row(card, use_case_id)
    tier = tier or classify(use_case, setup.rules)  # once per use case: given, or here
    controls = setup.controls[tier.tier]
    notes: list[str] = []
    spec = provider_for(use_case, provider or setup.config.provider)
    base = {"provider": spec, "setup": setup, "notes": notes}
    if tier.tier == "prohibited":
        notes.append("Prohibited tier: no pilot is run and no cost is projected.")
        decision = decide(score_row, tier, controls, None, None, policy=setup.policy,
                          **_stage_of(use_case))  # fmt: skip
        return Assessment(use_case, score_row, tier, controls, decision, **base)  # type: ignore[arg-type]
    piloted = _run_pilot(portfolio, use_case, tier.tier, spec, Path(workspace), setup, notes)
    run = piloted.run if piloted else None
    endpoint = piloted.endpoint if piloted else None
    pilot = run.to_frame() if run is not None else None
    evaluation = _evaluate(piloted, pilot, setup)
    cost, scenarios = _project(use_case, pilot, setup, notes)
    decision = decide(
        score_row, tier, controls, evaluation, cost, budget_usd=use_case.monthly_budget_usd,
        human_review=use_case.human_review, policy=setup.policy, **_stage_of(use_case),
    )  # fmt: skip
    summary = _pilot_summary(run, pilot) if run is not None and pilot is not None else None
    assessment = Assessment(
        use_case, score_row, tier, controls, decision, spec, setup, endpoint=endpoint,
        pilot=pilot, pilot_summary=summary, evaluation=evaluation, cost=cost,
        scenarios=scenarios, samples=_samples(pilot), notes=notes,
        guardrails=run.guardrails if run is not None else None,
    )  # fmt: skip
    from usecase_kit.costs.tco import total_cost_of_ownership

    assessment.tco = total_cost_of_ownership(use_case, cost, assessment.review_share)
    return assessment


def _stage_of(use_case: UseCase) -> dict[str, Any]:
    """What the stage gates read of the use case: its stage, owner, decision date and data."""
    return {
        "stage": use_case.stage,
        "owner": use_case.owner,
        "decision_by": use_case.decision_by,
        "data_sensitivity": use_case.data_sensitivity,
    }


def _evaluate(
    piloted: _Pilot | None, frame: pd.DataFrame | None, setup: Setup
) -> EvalReport | None:
    """The pilot's metrics with intervals, per model and prompt version, and the gate stamp."""
    from usecase_kit.evaluation.pilots import evaluate_pilot

    if piloted is None or frame is None or not len(frame):
        return None
    report = evaluate_pilot(
        frame, piloted.plan, gate_set=piloted.stamp.to_dict(), seed=setup.config.seed
    )
    return report


def _pilot_summary(run: PilotRun, frame: pd.DataFrame) -> dict[str, Any]:
    summary = dict(run.summary())
    summary["prompt_versions"] = sorted(set(frame["prompt_version"].astype(str)))
    return summary


def _samples(frame: pd.DataFrame | None, n: int = 3) -> list[dict[str, Any]]:
    """A few answers with their grades: a correct one, an incorrect one, then the next ones."""
    if frame is None or frame.empty:
        return []
    graded = []
    for row in frame.itertuples():
        f1 = token_f1(str(row.output), str(row.reference_answer)) if row.status == "ok" else 0.0
        graded.append(
            {
                "case_id": row.case_id,
                "question": row.question,
                "answer": row.output if row.status == "ok" else f"(call {row.status})",
                "reference": row.reference_answer,
                "f1": f1,
                "correct": f1 >= 0.5,
            }
        )
    right = [g for g in graded if g["correct"]][:1]
    wrong = [g for g in graded if not g["correct"]][:1]
    chosen = right + wrong
    chosen += [g for g in graded if g not in chosen][: n - len(chosen)]
    return chosen


def pack_assessment(
    portfolio_path: str | Path,
    use_case_id: str,
    *,
    config_path: str = "",
    scorecard_path: str = "",
    provider: str = "",
    workspace: str = "",
) -> Assessment:
    """The pack notebook's one call, from its parameters: empty strings mean the defaults (the
    bundled example, the shipped configuration, scoring here, a temporary workspace)."""
    from usecase_kit.paths import example_portfolio, temporary_workspace

    config = RunConfig.read(config_path) if config_path else RunConfig()
    return assess_use_case(
        portfolio_path or example_portfolio(),
        use_case_id,
        workspace=workspace or temporary_workspace(),
        config=config,
        provider=provider or None,
        card=read_scorecard(scorecard_path) if scorecard_path else None,
    )
