"""Decision packs against a real OpenAI-compatible server on 127.0.0.1, and when things fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from usecase_kit.config import RunConfig
from usecase_kit.errors import OutputError
from usecase_kit.packs import RUN_MARKER, build_packs
from usecase_kit.testing import LocalOpenAIServer

pytestmark = pytest.mark.slow
KEY = "test-key-not-a-secret-7f3a"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usecase_kit", *args], capture_output=True, text=True, cwd=cwd
    )


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_pack_from_a_model_server_is_not_baseline_and_reruns_from_cache(
    templates_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalOpenAIServer(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        portfolio = templates_dir / "example_portfolio.yaml"
        options = {"config": RunConfig(provider="openai"), "use_case_ids": ["knowledge-search"]}
        run = build_packs(portfolio, tmp_path / "out", workspace=tmp_path / "ws", **options)
        assert not run.failed, run.items
        calls = server.calls
        assert calls == 25  # one per golden case
        results = json.loads((run.run_dir / "knowledge-search" / "results.json").read_text())
        assert results["evidence"]["is_baseline"] is False
        assert results["evidence"]["provider"] == "openai:gpt-4o-mini"
        assert results["evidence"]["endpoint"].startswith(server.base_url)
        html = (run.run_dir / "knowledge-search" / "decision_pack.html").read_text()
        assert "OFFLINE BASELINE" not in html and server.base_url in html
        marker = (run.run_dir / RUN_MARKER).read_text(encoding="utf-8")
        assert "  index.html\n" in marker and "  knowledge-search/decision_pack.html\n" in marker
        notes = run.run_dir / "committee_notes.docx"  # someone's own file, added afterwards
        notes.write_text("minutes")
        summary = run.run_dir / "summary.csv"
        original = summary.read_bytes()
        summary.write_bytes(original + b"REVIEWER: check the cost line\n")  # an edit
        with pytest.raises(OutputError, match=r"2 file\(s\) the batch did not write, or changed"):
            build_packs(
                portfolio, tmp_path / "out", workspace=tmp_path / "ws", overwrite=True, **options
            )
        assert notes.read_text() == "minutes" and b"REVIEWER" in summary.read_bytes()
        notes.unlink()
        summary.write_bytes(original)
        again = build_packs(
            portfolio, tmp_path / "out", workspace=tmp_path / "ws", overwrite=True, **options
        )
        assert not again.failed and server.calls == calls  # the rerun is served from the cache
    for path in _files(tmp_path):
        assert KEY.encode() not in path.read_bytes(), path


def test_a_failing_pack_leaves_a_page_and_the_run_exits_non_zero(
    templates_dir: Path, tmp_path: Path
) -> None:
    with LocalOpenAIServer(api_key="the-right-key") as server:
        env = {**os.environ, "OPENAI_API_KEY": "a-revoked-key", "OPENAI_BASE_URL": server.base_url}
        result = subprocess.run(
            [sys.executable, "-m", "usecase_kit", "packs",
             str(templates_dir / "example_portfolio.yaml"), "--provider", "openai",
             "--only", "knowledge-search,code-review",
             "--output-dir", str(tmp_path / "out")],
            capture_output=True, text=True, env=env, cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "pack knowledge-search: FAILED" in result.stderr
    assert "pack code-review: ok" in result.stderr  # no pilot: nothing to call, the pack stands
    index = Path(result.stdout.strip().splitlines()[-1])
    page = (index.parent / "knowledge-search" / "decision_pack.html").read_text()
    assert "401" in page or "auth" in page.lower()
    listing = index.read_text()
    assert "PACK FAILED" in listing and "70.0" in listing  # a failed pack keeps its score


def test_missing_key_stops_before_any_pack(templates_dir: Path, tmp_path: Path) -> None:
    result = _cli("demo", "--provider", "openai", "--output-dir", str(tmp_path / "out"),
                  cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_callers_folder_cannot_shadow_packages_in_the_kernel(
    templates_dir: Path, tmp_path: Path
) -> None:
    """Kernels start in the pack's folder: a user's `attr.py` or `pandas.py` is not imported."""
    (tmp_path / "attr.py").write_text("raise ImportError('shadowed attr imported')\n")
    (tmp_path / "pandas.py").write_text("raise ImportError('shadowed pandas imported')\n")
    script = Path(sys.executable).with_name("usecase-kit")  # `python -m` would put cwd on sys.path
    result = subprocess.run(
        [str(script), "packs", str(templates_dir / "example_portfolio.yaml"), "--only",
         "code-review", "--output-dir", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "pack code-review: ok" in result.stderr


def test_unknown_score_key_stops_before_any_run_folder(templates_dir: Path, tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((templates_dir / "example_portfolio.yaml").read_text())
    data["use_cases"][0]["scores"]["vibes"] = 3
    portfolio = tmp_path / "p.yaml"
    portfolio.write_text(yaml.safe_dump(data))
    result = _cli("packs", str(portfolio), "--output-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2 and "unknown criterion ['vibes']" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_batches_started_in_the_same_second_get_their_own_folders(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from usecase_kit.packs import new_run_dir

    with ThreadPoolExecutor(8) as pool:
        folders = list(pool.map(lambda _: new_run_dir(tmp_path), range(8)))
    assert len(set(folders)) == 8 and all(f.is_dir() for f in folders)


def test_output_folder_that_is_a_file_fails_before_kernels(
    templates_dir: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    portfolio = str(templates_dir / "example_portfolio.yaml")
    result = _cli("packs", portfolio, "--output-dir", str(blocker), cwd=tmp_path)
    assert result.returncode == 2 and "it is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr
