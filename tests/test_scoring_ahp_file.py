"""AHP judgements from a workshop file: weights, consistency, and the rubric written from them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from usecase_kit.errors import InputError
from usecase_kit.scoring import ahp_from_file, load_judgements, load_rubric


def _write(tmp_path: Path, judgements: dict[str, dict[str, object]]) -> Path:
    path = tmp_path / "ahp.yaml"
    path.write_text(yaml.safe_dump({"judgements": judgements}))
    return path


def test_example_file_is_consistent_and_weights_follow_the_judgements(templates_dir: Path) -> None:
    result = ahp_from_file(templates_dir / "ahp_judgements_example.yaml", load_rubric())
    assert result.consistent and result.consistency_ratio < 0.10
    assert sum(result.weights.values()) == pytest.approx(1.0)
    weights = result.weights
    assert weights["business_value"] > weights["technical_feasibility"] > weights["risk"]
    assert weights["technical_feasibility"] == pytest.approx(weights["data_readiness"])


def test_fractions_are_read_as_the_reciprocal(tmp_path: Path) -> None:
    rubric = load_rubric()
    names = list(rubric.criteria)
    judged = {a: {b: "1/3" for b in names[i + 1 :]} for i, a in enumerate(names[:-1])}
    pairs = load_judgements(_write(tmp_path, judged), rubric)
    assert pairs[(names[0], names[1])] == pytest.approx(1 / 3)


def test_unknown_criterion_and_repeated_pair_name_the_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {"business_value": {"feasability": 2, "risk": 3}, "risk": {"business_value": 2}},
    )
    with pytest.raises(InputError) as caught:
        load_judgements(path, load_rubric())
    message = str(caught.value)
    assert "field 'judgements.business_value.feasability': unknown criterion" in message
    assert "field 'judgements.risk.business_value': this pair is judged twice" in message


def test_inconsistent_judgements_name_the_pair_and_write_nothing(tmp_path: Path) -> None:
    judged = {
        "business_value": {"technical_feasibility": 9, "data_readiness": "1/9", "risk": 1,
                           "regulatory_burden": 1},
        "technical_feasibility": {"data_readiness": 9, "risk": 1, "regulatory_burden": 1},
        "data_readiness": {"risk": 1, "regulatory_burden": 1},
        "risk": {"regulatory_burden": 1},
    }  # fmt: skip
    out = tmp_path / "rubric_ahp.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "usecase_kit", "weights", str(_write(tmp_path, judged)),
         "--output", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "INCONSISTENT" in result.stderr and "most inconsistent pair" in result.stderr
    assert not out.exists()


def test_consistent_judgements_write_a_rubric_that_scores(
    templates_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rubric_ahp.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "usecase_kit", "weights",
         str(templates_dir / "ahp_judgements_example.yaml"), "--output", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = load_rubric(out)
    expected = ahp_from_file(templates_dir / "ahp_judgements_example.yaml", load_rubric())
    assert written.weights() == pytest.approx(expected.weights)
    assert written.criteria["risk"].anchors == load_rubric().criteria["risk"].anchors
    assert written.name == "default-ahp" and "ahp_judgements_example.yaml (CR" in written.source
