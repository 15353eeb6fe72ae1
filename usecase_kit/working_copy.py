"""The consultant's working copy of a portfolio: the file a form writes to, never a template.

Opening a file under ``templates/`` starts a copy in the project's ``outputs/working/`` (the
shipped example stays as it is); opening any other file edits it where it is. Every save:

- refuses a file changed on disk since it was read (another editor, a second notebook), so no
  one's work is overwritten silently;
- keeps a timestamped backup first (``.<name>.history/``), so :meth:`WorkingCopy.undo` can put the
  file back as it was;
- changes only the fields edited, in the file's own format: YAML round-trips through ruamel.yaml
  with comments, key order, flow style and number formats kept; an XLSX workbook is edited cell
  by cell (other sheets, formats and widths kept); a CSV keeps its column order and other cells;
- appends who changed what (use case, field, old and new value) to ``changes.jsonl`` beside
  the backups.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from usecase_kit._io import atomic_write, output_problem
from usecase_kit.errors import InputError, OutputError
from usecase_kit.portfolio import Portfolio, load_portfolio, neutralise_formula

__all__ = ["Change", "Edit", "WorkingCopy", "open_working_copy"]

#: The fields a form may change; everything else in the file is left byte for byte.
EDITABLE = ("scores", "rationale", "assessed_by")


@dataclass
class Edit:
    """Unsaved changes to one use case: criterion → level (None: unscored), criterion →
    rationale ('' removes it), EU AI Act question → answer (None: unanswered again), the
    organisation's role (when ``role_changed``), and the assessor's name."""

    scores: dict[str, int | None] = field(default_factory=dict)
    rationale: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str | None] = field(default_factory=dict)
    role: str | None = None
    role_changed: bool = False
    assessed_by: str | None = None
    #: who saved: stamped on each answer changed (set by `WorkingCopy.save`)
    answered_by: str | None = None

    def __bool__(self) -> bool:
        return bool(
            self.scores
            or self.rationale
            or self.answers
            or self.role_changed
            or self.assessed_by is not None
        )

    def count(self) -> int:
        return len(self.scores) + len(self.rationale) + len(self.answers) + self.role_changed


@dataclass(frozen=True)
class Change:
    """One changed value, as written to the change log."""

    use_case: str
    field: str
    old: Any
    new: Any


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _now() -> datetime:
    return datetime.now(UTC)


def _default_work_dir() -> Path:
    """USECASE_KIT_WORKDIR if set, else ``outputs/working/`` of the project."""
    override = os.environ.get("USECASE_KIT_WORKDIR")
    if override:
        return Path(override).expanduser()
    from usecase_kit.paths import project_root

    return project_root() / "outputs" / "working"


def _is_template(path: Path) -> bool:
    from usecase_kit.paths import templates_dir

    try:
        return path.resolve().is_relative_to(templates_dir().resolve())
    except OSError:
        return False


class WorkingCopy:
    """A portfolio file a form may write, with its backups, undo and change log."""

    def __init__(self, path: Path, origin: Path | None = None) -> None:
        self.path = path
        #: the template this copy was started from, if it was one
        self.origin = origin
        self.history = path.parent / f".{path.name}.history"
        self._digest = _digest(path)

    # ------------------------------------------------------------------ reading

    def load(self) -> Portfolio:
        """The portfolio as it is on disk now; later saves are checked against this read."""
        portfolio = load_portfolio(self.path)
        self._digest = _digest(self.path)
        return portfolio

    def changed_on_disk(self) -> bool:
        """True when someone changed the file since this copy last read or wrote it."""
        return _digest(self.path) != self._digest

    def backups(self) -> list[Path]:
        """Backups, oldest first."""
        if not self.history.is_dir():
            return []
        return sorted(p for p in self.history.iterdir() if p.name.startswith("backup-"))

    def changes(self) -> list[dict[str, Any]]:
        """The change log: one record per changed value (at, who, use case, field, old, new)."""
        log = self.history / "changes.jsonl"
        if not log.is_file():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]

    # ------------------------------------------------------------------ writing

    def save(self, edits: Mapping[str, Edit], *, who: str) -> list[Change]:
        """Write the edits of the named use cases (and only those) to the file."""
        who = who.strip()
        if not who:
            raise InputError("Enter the assessor's name before saving.")
        edits = {uid: replace(edit, answered_by=who) for uid, edit in edits.items() if edit}
        if not edits:
            return []
        self._check_can_write()
        before = load_portfolio(self.path)
        changes = _diff(before, edits)
        if not changes:
            return []
        self._backup()
        suffix = self.path.suffix.lower()
        writer = {".yaml": _write_yaml, ".yml": _write_yaml, ".csv": _write_csv}.get(
            suffix, _write_xlsx
        )
        try:
            writer(self.path, edits)
            load_portfolio(self.path)  # what was written must read back
        except Exception:
            self._restore(self.backups()[-1])
            raise
        self._digest = _digest(self.path)
        self._log(changes, who, action="save")
        return changes

    def undo(self, *, who: str = "") -> Path:
        """Put the file back as it was before the last save (or undo); returns the backup used."""
        backups = self.backups()
        if not backups:
            raise InputError(f"{self.path.name}: nothing to undo; no save has been made yet.")
        self._check_can_write()
        last = backups[-1]
        self._restore(last)
        last.unlink()
        self._digest = _digest(self.path)
        self._log([], who or "unknown", action=f"undo (restored {last.name})")
        return last

    # ------------------------------------------------------------------ helpers

    def _check_can_write(self) -> None:
        if self.changed_on_disk():
            raise InputError(
                f"{self.path}: the file was changed on disk after the form read it; nothing was "
                "written, so those changes are safe. Reload the form (form.reload()) to see them; "
                "your unsaved edits are listed under the form so you can enter them again."
            )
        if _read_only(self.path):
            raise InputError(
                f"{self.path}: the working copy is read-only; nothing was written. Make it "
                "writable (chmod u+w) or open a copy in a folder you can write to "
                "(open_working_copy(path, work_dir=...))."
            )

    def _backup(self) -> Path:
        self.history.mkdir(parents=True, exist_ok=True)
        stamp = _now().strftime("%Y%m%dT%H%M%S%fZ")
        target = self.history / f"backup-{stamp}{self.path.suffix}"
        shutil.copy2(self.path, target)
        return target

    def _restore(self, backup: Path) -> None:
        data = backup.read_bytes()
        atomic_write(self.path, lambda p: p.write_bytes(data))

    def _log(self, changes: list[Change], who: str, *, action: str) -> None:
        self.history.mkdir(parents=True, exist_ok=True)
        at = _now().isoformat(timespec="seconds")
        records = [
            {"at": at, "who": who, "action": action, "file": self.path.name, **c.__dict__}
            for c in changes
        ] or [{"at": at, "who": who, "action": action, "file": self.path.name}]
        with (self.history / "changes.jsonl").open("a", encoding="utf-8") as log:
            for record in records:
                log.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def _read_only(path: Path) -> bool:
    """The file's own write bit counts (root may write anywhere, but a consultant who made a
    copy read-only meant it), as does a folder we may not write into."""
    return (
        not path.stat().st_mode & stat.S_IWUSR
        or not os.access(path, os.W_OK)
        or not os.access(path.parent, os.W_OK)
    )


def open_working_copy(
    path: str | os.PathLike[str], *, work_dir: str | os.PathLike[str] | None = None
) -> WorkingCopy:
    """The working copy for a portfolio file: a template is copied once into ``work_dir``
    (default ``outputs/working/`` of the project) and that copy is used from then on; any
    other file is its own working copy."""
    source = Path(path).expanduser()
    if not source.is_file():
        raise InputError(f"{source}: no such portfolio file; give a .yaml, .csv or .xlsx path.")
    if not _is_template(source):
        return WorkingCopy(source)
    folder = Path(work_dir) if work_dir is not None else _default_work_dir()
    target = folder / source.name
    if not target.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            data = source.read_bytes()
            atomic_write(target, lambda p: p.write_bytes(data))
        except OSError as exc:
            raise output_problem(target, exc) from exc
    elif target.resolve() == source.resolve():
        raise OutputError(f"{target}: the working folder is the templates folder; choose another.")
    return WorkingCopy(target, origin=source)


# ---------------------------------------------------------------------- what changes


def _diff(before: Portfolio, edits: Mapping[str, Edit]) -> list[Change]:
    changes: list[Change] = []
    for uid, edit in edits.items():
        old = before.get(uid)
        for criterion, level in edit.scores.items():
            if old.scores.get(criterion) != level:
                changes.append(Change(uid, f"scores.{criterion}", old.scores.get(criterion), level))
        for criterion, text in edit.rationale.items():
            text = text.strip()
            if old.rationale.get(criterion, "") != text:
                changes.append(
                    Change(
                        uid, f"rationale.{criterion}", old.rationale.get(criterion), text or None
                    )
                )
        questionnaire = old.questionnaire
        for question, answer in edit.answers.items():
            was = questionnaire.said(question) if questionnaire is not None else None
            if was != answer:
                changes.append(Change(uid, f"questionnaire.{question}", was, answer))
        if edit.role_changed:
            was_role = questionnaire.role if questionnaire is not None else None
            if was_role != edit.role:
                changes.append(Change(uid, "questionnaire.role", was_role, edit.role))
        if edit.assessed_by is not None and old.assessed_by != edit.assessed_by.strip():
            changes.append(Change(uid, "assessed_by", old.assessed_by, edit.assessed_by.strip()))
    return changes


# ---------------------------------------------------------------------- YAML


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, order, flow style and scalars as written
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line the consultant wrote
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _write_yaml(path: Path, edits: Mapping[str, Edit]) -> None:
    yaml = _yaml()
    document = yaml.load(path.read_text(encoding="utf-8"))
    by_id = {str(item.get("id")): item for item in document["use_cases"]}
    for uid, edit in edits.items():
        item = by_id[uid]
        if edit.scores:
            scores = _mapping(item, "scores")
            for criterion, level in edit.scores.items():
                scores[criterion] = level
        if edit.rationale:
            rationale = _mapping(item, "rationale")
            for criterion, text in edit.rationale.items():
                if text.strip():
                    rationale[criterion] = text.strip()
                else:
                    rationale.pop(criterion, None)
            if not rationale:
                del item["rationale"]
        if edit.answers or edit.role_changed:
            _write_questionnaire(item, edit)
        if edit.assessed_by is not None:
            item["assessed_by"] = edit.assessed_by.strip()
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    text = buffer.getvalue()
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def _write_questionnaire(item: Any, edit: Edit) -> None:
    """Role and answers; each answer changed here is stamped with who answered and the day
    (``{answer: yes, by: …, on: …}``), answers not touched keep their own record."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

    # the loader reads YAML 1.1, where a bare `on`, `yes` or `no` is a boolean: quote them
    block = _mapping(item, "questionnaire")
    if edit.role_changed:
        if edit.role:
            block["role"] = edit.role
        else:
            block.pop("role", None)
    if edit.answers:
        answers = _mapping(block, "answers")
        for question, answer in edit.answers.items():
            if answer is None:
                answers.pop(question, None)
                continue
            record = CommentedMap(answer=Quoted(answer))
            if edit.answered_by:
                record["by"] = edit.answered_by.strip()
            record[Quoted("on")] = _now().date()
            record.fa.set_flow_style()
            answers[question] = record
        if not answers:
            del block["answers"]
    if not block:
        del item["questionnaire"]


def _mapping(item: Any, key: str) -> Any:
    from ruamel.yaml.comments import CommentedMap

    if item.get(key) is None:
        item[key] = CommentedMap()
    return item[key]


# ---------------------------------------------------------------------- CSV and XLSX


def _cell_updates(edit: Edit) -> dict[str, Any]:
    updates: dict[str, Any] = {f"score.{c}": level for c, level in edit.scores.items()}
    updates.update({f"rationale.{c}": (t.strip() or None) for c, t in edit.rationale.items()})
    updates.update({f"questionnaire.{q}": answer for q, answer in edit.answers.items()})
    if edit.role_changed:
        updates["questionnaire.role"] = edit.role
    if edit.answers and edit.answered_by:
        # the flat layout keeps who and when for the whole questionnaire, not per answer
        updates["questionnaire.answered_by"] = edit.answered_by.strip()
        updates["questionnaire.answered_on"] = _now().date().isoformat()
    if edit.assessed_by is not None:
        updates["assessed_by"] = edit.assessed_by.strip()
    return {column: neutralise_formula(value) for column, value in updates.items()}


def _write_csv(path: Path, edits: Mapping[str, Edit]) -> None:
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    id_col = header.index("id")
    for uid, edit in edits.items():
        updates = _cell_updates(edit)
        for column in updates:
            if column not in header:
                header.append(column)
                for row in body:
                    row.append("")
        for row in body:
            row.extend([""] * (len(header) - len(row)))
            if row[id_col].strip() == uid:
                for column, value in updates.items():
                    row[header.index(column)] = "" if value is None else str(value)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *body])
    out = buffer.getvalue()
    atomic_write(path, lambda p: p.write_text(out, encoding="utf-8"))


def _write_xlsx(path: Path, edits: Mapping[str, Edit]) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)  # formulas, formats and other sheets as they are
    sheet = book["use_cases"] if "use_cases" in book.sheetnames else book.worksheets[0]
    header = [c.value for c in sheet[1]]
    id_col = header.index("id") + 1
    rows = {
        str(sheet.cell(row=r, column=id_col).value).strip(): r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(row=r, column=id_col).value is not None
    }
    for uid, edit in edits.items():
        for column, value in _cell_updates(edit).items():
            if column not in header:
                header.append(column)
                sheet.cell(row=1, column=len(header), value=column)
            sheet.cell(row=rows[uid], column=header.index(column) + 1, value=value)
    atomic_write(path, lambda p: book.save(p))
