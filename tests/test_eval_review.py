"""Human review: labels stored with the run, the planned share per tier, the panel's keys."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from usecase_kit.errors import InputError
from usecase_kit.evaluation.review import (
    ReviewLabel,
    ReviewStore,
    human_flags,
    plan_review,
    review_progress,
)
from usecase_kit.risk import load_controls
from usecase_kit.widgets.review import review_panel


def _run(n: int = 50) -> pd.DataFrame:
    return pd.DataFrame({
        "run_id": "r1",
        "call_key": [f"k{i}" for i in range(n)],
        "case_id": [f"c{i}" for i in range(n)],
        "question": ["<b>Q</b>?"] * n,
        "output": ["Answer <script>"] * n,
        "reference_answer": ["A."] * n,
        "provider": ["openai"] * (n // 2) + ["azure"] * (n - n // 2),
        "model": "m",
        "prompt_version": "v1",
    })  # fmt: skip


def test_review_share_follows_the_tier_and_is_reproducible() -> None:
    controls = load_controls()
    frame = _run()
    sample = plan_review(frame, controls["high_confidence"].human_review_share, seed=1)
    assert len(sample) == 2  # 2% of 25 per group rounds up to one each
    assert set(sample["provider"]) == {"openai", "azure"}
    assert sample.equals(plan_review(frame, 0.02, seed=1))
    assert len(plan_review(frame, controls["high_scrutiny"].human_review_share)) == 50
    with pytest.raises(InputError):
        plan_review(frame, 1.5)


def test_labels_are_stored_replaced_and_tracked(tmp_path: Path) -> None:
    plan = plan_review(_run(4), 1.0)
    with ReviewStore(tmp_path) as store:
        store.save(
            ReviewLabel("r1", "k0", "c0", "ana", "fail", "wrong figure", "2026-12-01T10:00:00")
        )
        store.save(ReviewLabel("r1", "k0", "c0", "ana", "pass", "", "2026-12-01T10:05:00"))
        store.save(ReviewLabel("r1", "k1", "c1", "ana", "fail", "", "2026-12-01T10:06:00"))
        labels = store.labels("r1")
        with pytest.raises(InputError, match="reviewer"):
            store.save(ReviewLabel("r1", "k2", "c2", " ", "pass"))
    assert len(labels) == 2
    progress = review_progress(plan, labels, 1.0)
    assert (progress.planned, progress.reviewed, progress.passed, progress.remaining) == (
        4,
        2,
        1,
        2,
    )
    assert human_flags(plan, labels) == {"k0": False, "k1": True}
    assert (tmp_path / "usecase_kit.sqlite").is_file()  # the workspace database


def test_panel_is_keyboard_driven_and_escapes_text(tmp_path: Path) -> None:
    panel = review_panel(plan_review(_run(3), 1.0), str(tmp_path), required_share=1.0)
    assert "&lt;script&gt;" in panel.record.value and "<script>" not in panel.record.value
    panel.command.value = "p"  # no reviewer yet: nothing saved
    assert "Reviewer" in panel.status.value and not panel.store.labels()
    panel.reviewer.value = "ana"
    panel.comment.value = "fine"
    panel.command.value = "p"
    panel.command.value = "f"
    panel.command.value = "b"
    assert panel.position == 1
    verdicts = {(label.call_key, label.verdict) for label in panel.store.labels("r1")}
    assert verdicts == {("k0", "pass"), ("k1", "fail")}
    assert "Reviewed 2 of 3 planned" in panel.status.value
    panel.command.value = "x"
    assert "Unknown key" in panel.status.value
