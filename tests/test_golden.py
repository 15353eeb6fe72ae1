"""Golden sets and knowledge bases: loading, limits and line-precise errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.evaluation.golden import load_golden, load_passages


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


GOOD = {"id": "a", "question": "Q?", "reference_answer": "A.", "metadata": {"src": "x"}}


def test_loads_cases_with_defaults_and_limit(tmp_path: Path) -> None:
    path = _write(tmp_path / "g.jsonl", [GOOD, {**GOOD, "id": "b", "context": "C"}])
    cases = load_golden(path)
    assert [c.id for c in cases] == ["a", "b"]
    assert cases[0].context == "" and cases[0].metadata == {"src": "x"}
    assert cases[1].context == "C"
    assert len(load_golden(path, limit=1)) == 1


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("{not json", "line 2: not valid JSON"),
        ({"id": "b", "question": "Q?"}, "line 2, field 'reference_answer'"),
        ({**GOOD, "id": "b", "kind": "faq"}, "line 2, field 'kind'.*metadata"),
        ({**GOOD, "question": ""}, "line 2, field 'question'"),
        (GOOD, "line 2, field 'id': duplicate id 'a'"),
    ],
)
def test_bad_lines_name_file_line_and_field(tmp_path: Path, row: object, expected: str) -> None:
    path = _write(tmp_path / "bad.jsonl", [GOOD, row])
    with pytest.raises(InputError, match=expected) as info:
        load_golden(path)
    assert "bad.jsonl" in str(info.value)


def test_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_golden(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(InputError, match="no records"):
        load_golden(tmp_path / "empty.jsonl")


@pytest.mark.parametrize("name", ["workplace_health", "it_helpdesk"])
def test_shipped_golden_sets_match_their_knowledge_bases(templates_dir: Path, name: str) -> None:
    cases = load_golden(templates_dir / "golden" / f"{name}_faq.jsonl")
    passages = {p.id for p in load_passages(templates_dir / "golden" / f"{name}_kb.jsonl")}
    assert len(cases) >= 15
    assert {c.metadata["kb_id"] for c in cases} <= passages
    assert len(passages) > len({c.metadata["kb_id"] for c in cases})  # distractors present
