"""Run-folder ownership: a folder is claimed with a marker created exclusively, and the marker
lists the SHA-256 of every file the batch wrote, so ``--overwrite`` never deletes anyone else's
files (docs/packs.md)."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

from usecase_kit._io import atomic_write_text, check_writable
from usecase_kit.errors import OutputError

RUN_MARKER = ".usecase-kit-run"  # marks a folder this module created (safe to overwrite)


def _claim(run_dir: Path) -> bool:
    """Make ``run_dir`` this batch's, atomically (the marker is created with O_EXCL): two
    batches started together never share a folder. False when another batch has it."""
    from usecase_kit._io import output_problem

    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with (run_dir / RUN_MARKER).open("x", encoding="utf-8") as marker:
            marker.write("created by usecase-kit packs\n")
    except FileExistsError:
        return False
    except OSError as exc:
        raise output_problem(run_dir, exc) from None
    return True


def _refuse_run_dir(run_dir: Path, overwrite: bool) -> None:
    """Refuse, before any work, a folder that holds something: a previous run unless
    ``overwrite``, and never a folder this module did not create."""
    check_writable(run_dir, folder=True)
    if not (run_dir.exists() and any(run_dir.iterdir())):
        return
    if not overwrite:
        raise OutputError(
            f"{run_dir} already exists and is not empty: pass --overwrite to replace a "
            "previous run there, or choose another --output-dir."
        )
    if not (run_dir / RUN_MARKER).exists():
        raise OutputError(
            f"{run_dir} is not a usecase-kit run folder (no {RUN_MARKER}): it is not "
            "overwritten. Choose an empty or new --output-dir."
        )
    foreign = _not_the_batchs(run_dir)
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        raise OutputError(
            f"{run_dir} holds {len(foreign)} file(s) the batch did not write, or changed since "
            f"({shown}): --overwrite would delete them. Move them out of the folder, or choose "
            "another --output-dir."
        )


_MANIFEST_HEAD = "files written by the batch (sha256, path):"


def _files(run_dir: Path) -> list[Path]:
    return sorted(
        p for p in run_dir.rglob("*") if (p.is_file() or p.is_symlink()) and p.name != RUN_MARKER
    )


def _digest(path: Path) -> str:
    if path.is_symlink() or not path.is_file():
        return "link"
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _write_manifest(run_dir: Path) -> None:
    """List in the marker every file the batch left in its folder with its SHA-256, so that
    ``--overwrite`` can tell the batch's files from those someone added or edited later (a
    reviewer's notes, a summary with comments)."""

    lines = ["created by usecase-kit packs", _MANIFEST_HEAD]
    lines += [f"{_digest(p)}  {p.relative_to(run_dir).as_posix()}" for p in _files(run_dir)]
    atomic_write_text(run_dir / RUN_MARKER, "\n".join(lines) + "\n")


def _not_the_batchs(run_dir: Path) -> list[str]:
    """Files in a run folder that its marker's manifest does not list, or lists with another
    digest. Without a manifest (a batch killed before its end, or one from before 2026-12-03)
    nothing can be told apart, so every file counts."""
    text = (run_dir / RUN_MARKER).read_text(encoding="utf-8", errors="replace").splitlines()
    present = _files(run_dir)
    if _MANIFEST_HEAD not in text:
        if present:
            raise OutputError(
                f"{run_dir}: its {RUN_MARKER} lists no files (a batch killed before its end, or "
                "one from before 2026-12-03), so --overwrite cannot tell the batch's files from "
                "anyone else's. Delete the folder yourself, or choose another --output-dir."
            )
        return []
    written: dict[str, str] = {}
    for line in text[text.index(_MANIFEST_HEAD) + 1 :]:
        digest, _, name = line.partition("  ")
        if name:
            written[name] = digest
    changed = []
    for path in present:
        name = path.relative_to(run_dir).as_posix()
        if written.get(name) != _digest(path):
            changed.append(name)
    return changed


def _prepare_run_dir(run_dir: Path, overwrite: bool) -> None:
    _refuse_run_dir(run_dir, overwrite)
    if run_dir.exists() and any(run_dir.iterdir()):
        shutil.rmtree(run_dir)
    if not _claim(run_dir):
        raise OutputError(f"{run_dir} was just taken by another batch: choose another folder.")


def new_run_dir(output_root: str | Path = "outputs") -> Path:
    """A fresh ``<root>/<UTC timestamp>[-n]`` claimed for this batch (never shared)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    root = Path(output_root).resolve()
    check_writable(root, folder=True)
    for n in range(1, 1000):
        candidate = root / (stamp if n == 1 else f"{stamp}-{n}")
        if not candidate.exists() and _claim(candidate):
            return candidate
    raise OutputError(f"{root}: no free run folder name for {stamp}.")
