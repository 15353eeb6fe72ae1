"""A decision pack from a real local pilot (issue 12, "Show it"): the internal-knowledge use
case piloted on the local model, with accuracy and its interval, latency, tokens, the model's
provenance, the projected hosted cost and the verdict the rules give. Needs the `local` extra.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from usecase_kit.config import RunConfig
from usecase_kit.packs import build_packs
from usecase_kit.providers import local as local_pkg

if local_pkg.unavailable_reason() and os.environ.get("USECASE_KIT_REQUIRE_LOCAL") == "1":
    raise RuntimeError(f"the local model cannot run: {local_pkg.unavailable_reason()}")
pytestmark = [
    pytest.mark.local_llm,
    pytest.mark.slow,
    pytest.mark.skipif(
        not local_pkg.available(), reason=f"local model: {local_pkg.unavailable_reason()}"
    ),
]


def test_pack_from_a_local_pilot(templates_dir: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((templates_dir / "example_portfolio.yaml").read_text())
    use_case = next(u for u in data["use_cases"] if u["id"] == "knowledge-search")
    use_case["pilot"]["max_cases"] = 6  # a few minutes on two cores otherwise
    portfolio = tmp_path / "portfolio.yaml"
    portfolio.write_text(yaml.safe_dump({"use_cases": [use_case]}))
    run = build_packs(
        portfolio,
        tmp_path / "out",
        config=RunConfig(provider=local_pkg.DEFAULT_LOCAL_MODEL),
        workspace=tmp_path / "ws",
        workers=1,
    )
    assert not run.failed, run.items
    folder = run.run_dir / "knowledge-search"
    results = json.loads((folder / "results.json").read_text())
    evidence = results["evidence"]
    assert evidence["is_baseline"] is False and evidence["provider"] == "local:smollm2-135m"
    assert evidence["cases"] == 6 and evidence["output_tokens"] > 0
    assert 0 <= evidence["accuracy_ci_low"] <= evidence["accuracy"] <= evidence["accuracy_ci_high"]
    assert evidence["latency_p50_s"] > 0 and evidence["latency_p95_s"] >= evidence["latency_p50_s"]
    assert evidence["pilot_cost_usd"] == 0  # runs locally: no API money
    provenance = evidence["model_provenance"]
    assert len(provenance["model_sha256"]) == 64 and provenance["deterministic"] is True
    cost = results["cost"]
    assert cost["model"] == "gpt-4o-mini" and cost["monthly_p50"] > 0  # the hosted projection
    assert results["decision"]["verdict"] in {"no_go", "conditional_go"}  # never a plain go here
    html = (folder / "decision_pack.html").read_text()
    assert provenance["model_sha256"] in html and "$0 API" in html
    assert "OFFLINE BASELINE" not in html
