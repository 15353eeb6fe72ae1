"""The review panel over a workspace that lasts: labels found again after a restart, the panel
reopening on the first unlabelled item, a key typed before the reviewer's name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from usecase_kit.evaluation.review import plan_review
from usecase_kit.paths import portfolio_workspace
from usecase_kit.widgets.review import review_panel


def _run(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "run_id": "r1",
        "call_key": [f"k{i}" for i in range(n)],
        "case_id": [f"c{i}" for i in range(n)],
        "question": ["Q?"] * n,
        "output": ["A"] * n,
        "reference_answer": ["A"] * n,
        "provider": "offline",
        "model": "m",
        "prompt_version": "v1",
    })  # fmt: skip


def test_a_portfolio_has_one_lasting_workspace(tmp_path: Path) -> None:
    plan = tmp_path / "a" / "pilot_plan.yaml"
    other = tmp_path / "b" / "pilot_plan.yaml"
    for path in (plan, other):
        path.parent.mkdir()
        path.write_text("x", encoding="utf-8")
    first = portfolio_workspace(plan)
    assert first == portfolio_workspace(str(plan))  # the same folder every time
    assert first != portfolio_workspace(other)  # same name, another folder: its own workspace
    assert first.is_dir() and first.name.startswith("pilot_plan-")
    assert first.is_relative_to(tmp_path / "home" / "workspaces")  # USECASE_KIT_HOME, not /tmp


def test_labels_survive_a_restart_and_the_panel_reopens_on_the_first_unlabelled(
    tmp_path: Path,
) -> None:
    workspace = portfolio_workspace(tmp_path / "plan.yaml")
    plan = plan_review(_run(4), 1.0)
    panel = review_panel(plan, str(workspace), reviewer="ana", required_share=1.0)
    assert panel.position == 0
    panel.command.value = "p"
    panel.command.value = "f"
    panel.store.close()
    # a new kernel: a new panel over the same workspace
    again = review_panel(plan, str(workspace), reviewer="", required_share=1.0)
    assert {(x.call_key, x.verdict) for x in again.store.labels("r1")} == {
        ("k0", "pass"),
        ("k1", "fail"),
    }
    assert again.position == 2
    assert "Reviewed 2 of 4 planned" in again.status.value
    again.move(-2)
    assert "Already labelled pass by ana" in again.record.value


def test_a_label_typed_before_the_reviewer_s_name_saves_nothing_and_the_key_works_after(
    tmp_path: Path,
) -> None:
    panel = review_panel(plan_review(_run(2), 1.0), str(tmp_path), required_share=1.0)
    panel.command.value = "p"
    assert "Type your name in Reviewer first; nothing was saved" in panel.status.value
    assert panel.command.value == ""  # cleared: the same key typed again is seen
    assert not panel.store.labels() and panel.position == 0
    panel.reviewer.value = "ana"
    panel.command.value = "p"
    assert [label.verdict for label in panel.store.labels()] == ["pass"]
