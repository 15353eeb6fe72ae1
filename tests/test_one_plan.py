"""One plan, one classification, one scorecard (issue 22): pre-flight checks exactly the plan
the kernel runs; a tier made once travels; every scorecard draws the same sensitivity count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from usecase_kit import assessment, packs
from usecase_kit.config import RunConfig
from usecase_kit.pilot import PilotPlan
from usecase_kit.portfolio import load_portfolio

EXAMPLE = Path(__file__).resolve().parents[1] / "templates" / "example_portfolio.yaml"


class _Stop(Exception):
    """Raised in place of the pilot run: the plan it was given is all this test needs."""


@pytest.mark.parametrize("use_case_id", ["knowledge-search", "it-helpdesk"])
def test_preflight_checks_exactly_the_plan_the_kernel_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_case_id: str
) -> None:
    import usecase_kit.pilot as pilot
    import usecase_kit.pilot.guard as guard

    setup = RunConfig().load()
    portfolio = load_portfolio(EXAMPLE)
    card = assessment.score_portfolio(portfolio, setup)
    use_case = portfolio.get(use_case_id)
    tier = dict(zip(card["id"], card["tier"], strict=True))[use_case_id]
    provider = assessment.provider_for(use_case, setup.config.provider)
    seen: dict[str, PilotPlan] = {}
    checked = guard.preflight_plan

    def preflight(plan: PilotPlan, guards: Any) -> Any:
        seen["preflight"] = plan
        return checked(plan, guards)

    def run(plan: PilotPlan, **_: Any) -> Any:
        seen["kernel"] = plan
        raise _Stop

    monkeypatch.setattr(guard, "preflight_plan", preflight)
    monkeypatch.setattr(pilot, "run_pilot", run)
    assert packs._check_pilot_inputs(portfolio, use_case, tier, provider) == []
    with pytest.raises(_Stop):
        assessment.assess_use_case(portfolio, use_case_id, workspace=tmp_path, config=setup,
                                   card=card)  # fmt: skip
    assert seen["preflight"] == seen["kernel"]
    assert seen["kernel"].corpus and seen["kernel"].models == [provider]


def test_a_tier_given_is_not_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from usecase_kit.risk import classify

    setup = RunConfig().load()
    portfolio = load_portfolio(EXAMPLE)
    use_case = portfolio.get("meeting-summaries")
    tier = classify(use_case, setup.rules)
    calls: list[str] = []
    monkeypatch.setattr(assessment, "classify", lambda u, r: calls.append(u.id) or tier)
    result = assessment.assess_use_case(portfolio, use_case.id, workspace=tmp_path,
                                        config=setup, tier=tier)  # fmt: skip
    assert result.tier is tier and calls == []


def test_every_scorecard_draws_the_same_sensitivity_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import usecase_kit.scoring as scoring
    from usecase_kit.scoring.sensitivity import SAMPLES

    drawn: list[int] = []
    original = scoring.sensitivity

    def counting(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        drawn.append(result.samples)
        return result

    monkeypatch.setattr(scoring, "sensitivity", counting)
    setup = RunConfig().load()
    assessment.score_portfolio(load_portfolio(EXAMPLE), setup)
    assert drawn == [SAMPLES]
    from typer.testing import CliRunner

    from usecase_kit.cli import app

    done = CliRunner().invoke(app, ["score", str(EXAMPLE), "--sensitivity"])
    assert done.exit_code == 0, done.output
    assert drawn == [SAMPLES, SAMPLES]


def test_packs_names_the_catalogue_as_pilot_does_and_keeps_the_old_name_hidden() -> None:
    from typer.testing import CliRunner

    from usecase_kit.cli import app

    runner = CliRunner()
    shown = runner.invoke(app, ["packs", "--help"]).output
    assert "--catalogue" in shown and "--prices" not in shown
    both = runner.invoke(app, ["packs", str(EXAMPLE), "--catalogue", "a.yaml", "--prices", "b"])
    assert both.exit_code == 2 and "--prices is its old name" in both.output


def test_the_pack_template_folder_is_found_from_the_packs_package() -> None:
    from usecase_kit.packs import pack

    assert (pack._TEMPLATES / "usecase_pack").is_dir()
