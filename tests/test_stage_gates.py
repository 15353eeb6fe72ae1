"""Stage gates and no contradictions (issue 20): the verdict names the gate it opens, production
only on a model's evidence that meets every gate, and the record and the page never contradict
themselves (verdict against gates passed, stage against pilot evidence, sign-off roles,
repeated clauses, files that do not exist).

The demo portfolio is assessed for real (offline baseline), then copies made to hit each branch:
stages changed in the portfolio, and a model's evidence put in place of the baseline's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from usecase_kit.assessment import Assessment, assess_use_case, score_portfolio, setup_of
from usecase_kit.contradictions import contradictions, signoff_roles_of, visible_text
from usecase_kit.decision import GATES, decide, load_stage_policy
from usecase_kit.errors import InputError
from usecase_kit.evaluation.results import EvalReport, MetricResult
from usecase_kit.pack_record import verdict_statement
from usecase_kit.portfolio import load_portfolio
from usecase_kit.report import SECTIONS, pack_section

pytestmark = pytest.mark.slow  # assesses 13 use cases (the baseline pilots run): ~2 minutes

DEMO_IDS = [
    "knowledge-search", "it-helpdesk", "meeting-summaries", "marketing-copy", "code-review",
    "rfp-drafting", "customer-chatbot", "clinical-triage", "employee-emotion",
]  # fmt: skip


def _page(a: Assessment) -> str:
    return "\n".join(pack_section(name, a).html for name in SECTIONS)


def _model_report(accuracy: float, n: int, low: float) -> EvalReport:
    """Evidence from a model (not the baseline), as `evaluation.metrics` reports it."""
    report = EvalReport.from_summary(
        eval_set_size=n, correct=int(accuracy * n), accuracy=accuracy, accuracy_ci_low=low,
        accuracy_ci_high=min(1.0, accuracy + 0.02), mean_f1=accuracy, failed_calls=0,
        latency_p50_s=0.5, latency_p95_s=1.0, correct_threshold=0.5, is_baseline=False,
        method="token F1 of at least 0.5 against the reference",
    )  # fmt: skip
    hallucination = MetricResult(
        "hallucination_rate", "rate", 0.0, 0.0, 3.0 / n, n, "wilson", False, "ok"
    )
    group = report.primary
    metrics = {**group.metrics, "hallucination_rate": hallucination}
    return replace(report, groups=(replace(group, metrics=metrics),))


def _with_model(a: Assessment, report: EvalReport) -> Assessment:
    """The same use case with a model's pilot evidence in place of the baseline's."""
    uc = a.use_case
    decision = decide(
        a.score_row, a.tier, a.controls, report, a.cost, budget_usd=uc.monthly_budget_usd,
        human_review=uc.human_review, policy=a.setup.policy, stage=uc.stage, owner=uc.owner,
        decision_by=uc.decision_by, data_sensitivity=uc.data_sensitivity,
    )  # fmt: skip
    summary = a.pilot_summary or {
        "input_tokens": 700 * 900,
        "output_tokens": 700 * 120,
        "cost_usd": 0.2,
        "budget_usd": 5.0,
        "prompt_versions": ["v1"],
    }
    return replace(a, evaluation=report, decision=decision, provider="openai:gpt-4o-mini",
                   pilot_summary=summary)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Assessment]:
    import os

    root = tmp_path_factory.mktemp("stage")
    os.environ["USECASE_KIT_HOME"] = str(root / "home")
    portfolio_path = Path(__file__).resolve().parents[1] / "templates" / "example_portfolio.yaml"
    data = yaml.safe_load(portfolio_path.read_text(encoding="utf-8"))
    # branch copies: the same use cases at other stages
    stages = {"meeting-summaries": "pilot", "code-review": "deployed", "marketing-copy": "retired",
              "it-helpdesk": "pre_deployment"}  # fmt: skip
    for item in data["use_cases"]:
        if item["id"] in stages:
            copy = dict(item, id=f"{item['id']}-{stages[item['id']]}", stage=stages[item["id"]])
            data["use_cases"].append(copy)
    copied = root / "portfolio.yaml"
    copied.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    # relative paths in the portfolio (golden sets) resolve from the templates folder
    # shipped prompts are found without a link (a linked prompts/ folder is refused)
    for name in ("golden",):
        if (portfolio_path.parent / name).exists() and not (root / name).exists():
            (root / name).symlink_to(portfolio_path.parent / name)
    setup = setup_of(None)
    portfolio = load_portfolio(copied, allowed_dirs=setup.config.data_dirs)
    card = score_portfolio(portfolio, setup)
    out = {
        uc.id: assess_use_case(portfolio, uc.id, workspace=root / "ws", config=setup, card=card,
                               provider="offline:baseline")
        for uc in portfolio
    }  # fmt: skip
    return out


def test_the_demo_packs_contradict_nothing(demo: dict[str, Assessment]) -> None:
    found = []
    for use_case_id in DEMO_IDS:
        a = demo[use_case_id]
        found += contradictions(a.result(), _page(a))
    assert found == []


def test_every_branch_portfolio_contradicts_nothing(demo: dict[str, Assessment]) -> None:
    found = []
    for a in demo.values():
        found += contradictions(a.result(), _page(a))
    assert found == []


def test_no_production_without_a_model_pilot(demo: dict[str, Assessment]) -> None:
    for a in demo.values():
        e, d = a.evaluation, a.decision
        if e is None or e.is_baseline:
            assert d.gate in ("approve_pilot", "stop", "prohibited"), (a.use_case.id, d.headline)
    assert demo["employee-emotion"].decision.gate == "prohibited"
    assert demo["knowledge-search"].decision.gate == "approve_pilot"
    assert demo["marketing-copy-retired"].decision.headline == "STOP: retired"


def test_a_stage_that_claims_a_pilot_without_evidence_says_so(
    demo: dict[str, Assessment],
) -> None:
    for use_case_id in ("meeting-summaries-pilot", "code-review-deployed"):
        d = demo[use_case_id].decision
        assert d.gate == "approve_pilot", d.headline
        assert "records the stage as" in d.reasons[0] and "no model's pilot" in d.reasons[0]
    unrecorded = verdict_statement(demo["code-review"].result())["stage"]
    assert unrecorded == "Stage: not recorded in the portfolio, read as idea."


def test_a_baseline_pilot_is_never_called_no_pilot(demo: dict[str, Assessment]) -> None:
    for a in demo.values():
        if a.is_baseline:
            words = " ".join([a.decision.headline, *a.decision.reasons])
            assert "no pilot" not in words and "worth a pilot" not in words, a.use_case.id
            assert "offline baseline" in words, a.use_case.id


@pytest.mark.parametrize(
    ("accuracy", "n", "low", "gate"),
    [
        (0.97, 700, 0.95, "approve_production"),  # every gate met on its bound
        (0.91, 700, 0.88, "approve_pilot"),  # a near miss: a longer pilot, not production
        (0.10, 50, 0.03, "stop"),  # even the optimistic bound misses: stop
    ],
)
def test_model_evidence_opens_the_production_gate_only_when_every_gate_is_met(
    demo: dict[str, Assessment], accuracy: float, n: int, low: float, gate: str
) -> None:
    a = _with_model(demo["knowledge-search"], _model_report(accuracy, n, low))
    d = a.decision
    # knowledge-search plans review of a sample (5%) above the tier's 2%: no review condition
    expected = gate
    if gate == "approve_production" and d.conditions:
        expected = "approve_production_with_conditions"
    assert d.gate == expected, (d.headline, d.conditions)
    page = _page(a)
    assert contradictions(a.result(), page) == []
    assert d.headline in visible_text(page)


def test_high_risk_model_evidence_needs_named_conditions(demo: dict[str, Assessment]) -> None:
    a = _with_model(demo["customer-chatbot"], _model_report(0.99, 700, 0.975))
    d = a.decision
    assert d.gate == "approve_production_with_conditions", d.headline
    kinds = {c.kind for c in d.plan}
    assert {"review", "sign_off"} <= kinds  # the chatbot samples; the tier wants 100% review
    for c in d.plan:
        assert c.owner and c.evidence and c.due_days >= 0
        assert c.due is None  # the chatbot names no decision date: "within N days of it"
    assert contradictions(a.result(), _page(a)) == []


def test_conditions_have_owner_due_date_and_closing_evidence(demo: dict[str, Assessment]) -> None:
    a = demo["knowledge-search"]
    record = a.result()
    plan = record.decision.plan  # type: ignore[union-attr]
    assert plan, "a pilot approval carries its conditions"
    for c in plan:
        assert c["owner"].startswith(tuple(load_stage_policy().roles.values()))
        assert c["evidence"] and c["due"]  # knowledge-search has a decision date
    page = visible_text(_page(a))
    assert "Owner: Business owner (Head of Workplace Services)" in page
    assert "What it authorises:" in page and "not production" in page


def test_sign_off_roles_come_from_the_policy(demo: dict[str, Assessment]) -> None:
    policy = load_stage_policy()
    for a in demo.values():
        cells = signoff_roles_of(_page(a))
        keys = policy.sign_off_roles(a.tier.tier, a.use_case.data_sensitivity)
        roles = [policy.roles[r] for r in keys]
        assert [c.split(" (")[0] for c in cells] == roles, a.use_case.id
    clinical = signoff_roles_of(_page(demo["clinical-triage"]))
    assert any(c.startswith("Data protection officer") for c in clinical)


def test_one_statement_feeds_the_summary_and_the_next_steps(demo: dict[str, Assessment]) -> None:
    a = demo["customer-chatbot"]
    v = verdict_statement(a.result())
    summary = visible_text(pack_section("summary", a).html)
    steps = visible_text(pack_section("next_steps", a).html)
    for step in v["next"]:
        assert step["step"] in summary and step["step"] in steps


def test_the_checker_catches_what_the_issue_lists(demo: dict[str, Assessment]) -> None:
    """The checks can fail: an old-style record and page trip each of them."""
    a = demo["it-helpdesk"]
    record = a.result()
    old = record.decision.model_copy(  # type: ignore[union-attr]
        update={"gate": "", "verdict": "conditional_go", "headline": "CONDITIONAL GO",
                "reasons": ["NO-GO: not yet worth a pilot"], "plan": []}
    )  # fmt: skip
    bad = record.model_copy(update={"decision": old})
    clause = "(less personal data, a human reviewing each output, a narrower scope)"
    page = (
        '<table class="signoff"><tr><th>Role</th></tr><tr><td>not deployable; stop the pilot'
        f"</td></tr></table><p>lower risk {clause} and burden {clause}.</p>"
        "<p>Source: METHODS.md §1.3</p>"
    )
    found = " ".join(contradictions(bad, page))
    for fragment in ("approves production on the offline baseline", "evaluation gates passed",
                     "beside a", "sign-off Role cell", "is repeated in one sentence",
                     "cites METHODS.md"):  # fmt: skip
        assert fragment in found, fragment


def test_the_policy_file_is_checked(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[1] / "templates" / "stage_policy.yaml"
    data: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert set(data["gates"]) == set(GATES)
    data["sign_off"]["high_scrutiny"].append("chief_wizard")
    bad = tmp_path / "stage_policy.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError, match="chief_wizard"):
        load_stage_policy(bad)
