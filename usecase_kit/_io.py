"""Writing files: atomically (a reader sees the old file or the new one, never half of either),
and checked before any work starts, so a bad output path fails before a paid call, not after."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from usecase_kit.errors import OutputError

__all__ = [
    "atomic_write",
    "atomic_write_text",
    "check_not_input",
    "check_writable",
    "output_problem",
]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def output_problem(path: Path, exc: OSError) -> OutputError:
    """An `OutputError` for a failed write, saying what to do about it."""
    fixes = {
        errno.ENOSPC: "the disk is full: free some space or write elsewhere",
        errno.EDQUOT: "the disk quota is used up: free some space or write elsewhere",
        errno.EACCES: "you may not write there: choose a folder you can write to",
        errno.EPERM: "you may not write there: choose a folder you can write to",
        errno.EROFS: "the file system is read-only: choose another folder",
        errno.EISDIR: "that path is a folder: give a file name inside it",
        errno.ENOTDIR: "a part of that path is a file, not a folder: choose another path",
        errno.EEXIST: "a file is in the way of a folder of that name: choose another path",
    }
    fix = fixes.get(exc.errno or 0, "choose another path")
    return OutputError(f"Cannot write {path}: {exc.strerror or exc}; {fix}.")


def check_writable(path: str | os.PathLike[str], *, folder: bool = False) -> Path:
    """Refuse, before any work, an output path that cannot be written: a file where a folder
    is needed (or the reverse), or a nearest existing folder that is not writable."""
    target = Path(path).expanduser()
    if target.exists():
        if folder and not target.is_dir():
            raise OutputError(f"Cannot write into {target}: it is a file, not a folder.")
        if not folder and target.is_dir():
            raise OutputError(f"Cannot write {target}: it is a folder; give a file name.")
    existing = target if (folder and target.is_dir()) else target.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"Cannot write {target}: {existing} is a file, not a folder.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(
            f"Cannot write {target}: the folder {existing} is not writable; choose a folder you "
            "can write to."
        )
    return target


def check_not_input(
    output: str | os.PathLike[str], inputs: dict[str, str | os.PathLike[str] | None]
) -> None:
    """Refuse an output path that is one of the command's own inputs (the same file, by any
    path or link): writing there would destroy what the command read."""
    target = Path(output).expanduser()
    if not target.exists():
        return
    from usecase_kit.paths import templates_dir

    defaults = templates_dir().resolve()
    if target.resolve().is_relative_to(defaults):
        # the rubric, rules, controls, prices and golden sets every command reads by default
        raise OutputError(
            f"Refusing to write {target}: it is one of the toolkit's templates in {defaults}, "
            "which commands read by default. Write the result to another file (copy a template "
            "first to change it)."
        )
    for label, given in inputs.items():
        if given is None:
            continue
        source = Path(given).expanduser()
        try:
            same = source.exists() and os.path.samefile(source, target)
        except OSError:
            same = False
        if same:
            raise OutputError(
                f"Refusing to write {target}: it is this command's {label} ({source}), which "
                "would be overwritten. Write the result to another file."
            )


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call `write(temp_path)` on a sibling temporary file, then rename it over `path`.

    Any failure (disk full, read-only folder...) leaves the old file untouched and raises an
    `OutputError` naming the path.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise output_problem(target, exc) from None
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp creates 0600; keep the usual permissions
        os.replace(temp, target)
    except OSError as exc:
        raise output_problem(target, exc) from None
    finally:
        temp.unlink(missing_ok=True)
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
