"""The working copy: templates are never written, saves keep backups and can be undone, YAML
keeps its comments and formatting, a file changed on disk is never overwritten."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.portfolio import load_portfolio, save_portfolio
from usecase_kit.widgets.scoring import scoring_form
from usecase_kit.working_copy import Edit, open_working_copy


@pytest.fixture
def yaml_copy(templates_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "portfolio.yaml"
    shutil.copy(templates_dir / "example_portfolio.yaml", target)
    return target


def test_a_template_is_copied_and_never_written(templates_dir: Path, tmp_path: Path) -> None:
    template = templates_dir / "example_portfolio.yaml"
    shipped = template.read_bytes()
    form = scoring_form(template, work_dir=tmp_path / "work")
    assert form.path == tmp_path / "work" / "example_portfolio.yaml"
    assert "copy of the template example_portfolio.yaml" in form.where.value
    form.use_case.value = "code-review"
    form.controls["risk"].value = 5
    form.assessor.value = "A. Rivera"
    form.save()
    assert template.read_bytes() == shipped
    assert load_portfolio(form.path).get("code-review").scores["risk"] == 5
    # opened again, the same working copy (with the consultant's work) is used, not a new copy
    again = open_working_copy(template, work_dir=tmp_path / "work")
    assert load_portfolio(again.path).get("code-review").scores["risk"] == 5


def test_yaml_keeps_comments_and_formatting_and_changes_one_line(yaml_copy: Path) -> None:
    before = yaml_copy.read_text(encoding="utf-8")
    copy = open_working_copy(yaml_copy)
    copy.load()
    copy.save({"knowledge-search": Edit(scores={"risk": 3})}, who="A. Rivera")
    after = yaml_copy.read_text(encoding="utf-8")
    diff = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    # the score line changed and assessed_by was not asked for: nothing else moved
    assert len(diff) == 2, diff
    assert "risk: 3" in diff[1] and "risk: 2" in diff[0]
    assert after.count("#") == before.count("#")  # every comment kept
    assert "4000" in after and "4000.0" not in after


def test_each_save_keeps_a_backup_and_undo_restores_it(yaml_copy: Path) -> None:
    original = yaml_copy.read_bytes()
    copy = open_working_copy(yaml_copy)
    copy.load()
    copy.save({"code-review": Edit(scores={"risk": 5})}, who="A")
    middle = yaml_copy.read_bytes()
    copy.save({"code-review": Edit(scores={"risk": 1})}, who="B")
    assert len(copy.backups()) == 2
    copy.undo(who="B")
    assert yaml_copy.read_bytes() == middle
    copy.undo(who="A")
    assert yaml_copy.read_bytes() == original
    with pytest.raises(InputError, match="nothing to undo"):
        copy.undo()


def test_who_changed_what_is_recorded(yaml_copy: Path) -> None:
    copy = open_working_copy(yaml_copy)
    copy.load()
    copy.save(
        {"code-review": Edit(scores={"risk": 5}, rationale={"risk": "touches prod"})}, who="A. R"
    )
    records = copy.changes()
    fields = {(r["use_case"], r["field"], r["old"], r["new"], r["who"]) for r in records}
    old_risk = load_portfolio(copy.backups()[-1]).get("code-review").scores["risk"]
    assert ("code-review", "scores.risk", old_risk, 5, "A. R") in fields
    assert ("code-review", "rationale.risk", None, "touches prod", "A. R") in fields
    line = (copy.history / "changes.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert json.loads(line)["at"].endswith("+00:00")


def test_a_file_changed_on_disk_is_not_overwritten(yaml_copy: Path) -> None:
    form = scoring_form(yaml_copy)
    form.use_case.value = "code-review"
    form.controls["risk"].value = 5
    form.assessor.value = "A"
    edited = yaml_copy.read_text(encoding="utf-8").replace(
        "name: Workplace health-policy assistant", "name: Policy assistant (renamed by a colleague)"
    )
    yaml_copy.write_text(edited, encoding="utf-8")
    form.save_button.click()
    assert "changed on disk" in form.status.value
    assert yaml_copy.read_text(encoding="utf-8") == edited  # their change kept
    assert form.unsaved_summary() == {"code-review": 1}  # ours kept, to save after a reload
    form.reload()
    form.save()
    reread = load_portfolio(yaml_copy)
    assert reread.get("code-review").scores["risk"] == 5
    assert reread.get("knowledge-search").name == "Policy assistant (renamed by a colleague)"


def test_saving_to_a_read_only_working_copy_is_refused(yaml_copy: Path) -> None:
    before = yaml_copy.read_bytes()
    form = scoring_form(yaml_copy)
    form.controls["risk"].value = 5
    form.assessor.value = "A"
    yaml_copy.chmod(0o444)
    try:
        form.save_button.click()
        assert "read-only" in form.status.value and "nothing was written" in form.status.value
        assert yaml_copy.read_bytes() == before
        assert not form.copy.backups()
    finally:
        yaml_copy.chmod(0o644)


def test_xlsx_is_edited_cell_by_cell(yaml_copy: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    path = save_portfolio(load_portfolio(yaml_copy), tmp_path / "p.xlsx")
    book = load_workbook(path)
    book["use_cases"]["A1"].font = Font(bold=True)
    book["use_cases"].column_dimensions["C"].width = 61
    book.create_sheet("notes").append(["=SUM(1,2)"])
    book.save(path)
    copy = open_working_copy(path)
    copy.load()
    copy.save({"code-review": Edit(scores={"risk": 5}, rationale={"risk": "=cmd|x"})}, who="B")
    reread = load_workbook(path)
    assert reread["use_cases"]["A1"].font.bold
    assert reread["use_cases"].column_dimensions["C"].width == 61
    assert reread["notes"]["A1"].value == "=SUM(1,2)"  # another sheet's formula untouched
    saved = load_portfolio(path).get("code-review")
    assert saved.scores["risk"] == 5 and saved.rationale["risk"] == "=cmd|x"


def test_csv_keeps_columns_and_other_cells(yaml_copy: Path, tmp_path: Path) -> None:
    path = save_portfolio(load_portfolio(yaml_copy), tmp_path / "p.csv")
    before = path.read_text(encoding="utf-8").splitlines()
    copy = open_working_copy(path)
    copy.load()
    copy.save({"code-review": Edit(scores={"risk": 1})}, who="C")
    after = path.read_text(encoding="utf-8").splitlines()
    assert after[0] == before[0]
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1
    assert load_portfolio(path).get("code-review").scores["risk"] == 1


def test_questionnaire_answers_round_trip_in_yaml_and_csv(yaml_copy: Path, tmp_path: Path) -> None:
    csv_path = save_portfolio(load_portfolio(yaml_copy), tmp_path / "p.csv")
    for path in (yaml_copy, csv_path):
        copy = open_working_copy(path)
        copy.load()
        edit = Edit(answers={"art5.f": "yes", "art50.1": None}, role="provider", role_changed=True)
        copy.save({"customer-chatbot": edit}, who="D. Lawyer")
        q = load_portfolio(path).get("customer-chatbot").questionnaire
        assert q is not None and q.said("art5.f") == "yes" and q.said("art50.1") is None
        assert q.role == "provider" and q.who("art5.f")[0] == "D. Lawyer"
        logged = {(r["field"], r["new"]) for r in copy.changes()}
        assert ("questionnaire.art5.f", "yes") in logged
