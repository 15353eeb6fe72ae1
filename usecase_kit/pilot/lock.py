"""One runner per plan and workspace: an exclusive lock file a second runner is refused by.

``fcntl.flock`` on ``<workspace>/locks/<run-id>.lock``: the kernel releases it when the holder
exits, however it exits (Ctrl-C, SIGKILL, a crash), so a stale lock never blocks a resume.
Different plans in one workspace run side by side (their ledgers are separate).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType

from usecase_kit.errors import ConfigError

__all__ = ["RunLock"]


class RunLock:
    """``with RunLock(workspace, run_id, what): ...`` holds the plan's lock or raises."""

    def __init__(self, workspace: Path, run_id: str, description: str = "") -> None:
        self.path = Path(workspace) / "locks" / f"{run_id}.lock"
        self.description = description
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        import fcntl

        from usecase_kit.pilot.store import now_iso

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(
                f"The workspace {self.path.parent.parent} cannot be used ({exc.strerror}): it "
                "must be a folder you can write to; pass another with --workspace."
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise ConfigError(
                f"Another pilot is already running this plan in {self.path.parent.parent} "
                f"({holder}). Two runners would pay for every call twice: wait for it to finish "
                "or stop it (Ctrl-C); its answers are saved and this plan resumes from them."
            ) from None
        info = {"pid": os.getpid(), "since": now_iso(), "what": self.description}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode("utf-8"))
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return "process unknown"
    what = f", {info['what']}" if info.get("what") else ""
    return f"process {info.get('pid', '?')}, since {info.get('since', '?')}{what}"
