"""Answers between their arrival and their redacted commit, kept in memory-backed storage.

An answer must be durable the moment it arrives (a kill must not lose what was paid for), and
no raw text may reach the disk before it is redacted. Redaction (a PII scan) takes a few to a
few hundred milliseconds, so the raw answer is first written to a file on a RAM-backed file
system (``/dev/shm``, tmpfs): it survives the process being killed, never touches the disk, and
is deleted as soon as the redacted record is committed. The next run of the plan redacts and
commits whatever a killed run left there, without calling the model again. Lost on a reboot
(with everything else in memory); where no RAM-backed file system exists the step is skipped,
and an answer is durable once redacted (``docs/pilot.md`` states that bound).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from usecase_kit.providers.base import Completion, Usage

__all__ = ["PendingAnswer", "PendingAnswers"]

_SHM = Path("/dev/shm")


@dataclass(frozen=True)
class PendingAnswer:
    call_key: str
    ledger_id: int
    try_no: int
    started: str
    completion: Completion


def _root() -> Path | None:
    """The RAM-backed folder for this user, or None when the system has none."""
    if not (_SHM.is_dir() and os.access(_SHM, os.W_OK)):
        return None
    return _SHM / f"usecase-kit-{os.getuid()}"


class PendingAnswers:
    """One plan's raw answers awaiting redaction, one file each (0600, in a 0700 folder)."""

    def __init__(self, workspace: Path, run_id: str) -> None:
        root = _root()
        ident = hashlib.sha256(str(Path(workspace).resolve()).encode()).hexdigest()[:16]
        self.folder = root / ident / run_id if root is not None else None
        if self.folder is not None:
            try:
                assert root is not None
                root.mkdir(exist_ok=True, mode=0o700)
                if not _private(root):  # another user's folder, or a link planted in its place
                    raise PermissionError(f"{root} is not a private folder of this user")
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError:
                self.folder = None

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def put(self, answer: PendingAnswer) -> None:
        if self.folder is None:
            return
        data = asdict(answer)
        target = self.folder / f"{answer.call_key}.json"
        temp = target.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temp, target)

    def drop(self, call_key: str) -> None:
        if self.folder is not None:
            (self.folder / f"{call_key}.json").unlink(missing_ok=True)

    def set_aside(self, call_key: str, reason: str) -> Path | None:
        """Move an answer that cannot be committed out of the way (``set-aside/``, with the
        reason in a ``.txt`` beside it), so no later start of the plan retries it forever.
        Returns the folder it went to."""
        if self.folder is None:
            return None
        aside = self.folder / "set-aside"
        aside.mkdir(exist_ok=True, mode=0o700)
        source = self.folder / f"{call_key}.json"
        if source.exists():
            os.replace(source, aside / source.name)
        fd = os.open(aside / f"{call_key}.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(reason + "\n")
        return aside

    def items(self) -> list[PendingAnswer]:
        """What a killed run left, oldest first; unreadable leftovers are removed."""
        if self.folder is None:
            return []
        found = []
        for path in sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
            try:
                found.append(_read(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError):
                path.unlink(missing_ok=True)
        for temp in self.folder.glob("*.tmp"):
            temp.unlink(missing_ok=True)
        return found


def _private(folder: Path) -> bool:
    """A real folder (not a link), owned by this user, that no one else may enter."""
    import stat

    info = os.lstat(folder)
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    )


def _read(data: dict[str, Any]) -> PendingAnswer:
    c = data["completion"]
    completion = Completion(**{**c, "usage": Usage(**c["usage"])})
    return PendingAnswer(
        data["call_key"], int(data["ledger_id"]), int(data["try_no"]), data["started"], completion
    )
