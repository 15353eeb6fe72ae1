"""Build the shipped precedent extract from the public 2025 US federal AI use-case inventory.

Only what the precedent needs is kept: id, agency, name, purpose and outputs (each cut to
`MAX_CHARS`), the agency's high-impact determination; rows without one are left out. The gzip
is written byte-for-byte reproducibly (no timestamp), with a provenance file beside it (source,
licence, SHA-256 of the input and of the extract), so a test can rebuild it and compare.

    python -m usecase_kit.precedent.build \\
        ../shared/data/usecases/us_federal_2025/2025_individually_reported_AI_use_cases.csv
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from usecase_kit._io import atomic_write, atomic_write_text
from usecase_kit.errors import InputError

__all__ = ["MAX_CHARS", "Provenance", "build_extract", "main"]

MAX_CHARS = 600
LABEL_COLUMN = "is_high_impact"
POSITIVE = "High-impact"
COLUMNS = ("id", "agency", "name", "text", "label", "positive")
_NEEDED = ("id", "agency", "use_case_name", "problem_solved", "system_outputs", LABEL_COLUMN)


@dataclass(frozen=True)
class Provenance:
    title: str
    source: str
    source_date: str
    licence: str
    source_sha256: str
    source_rows: int
    rows: int
    positives: int
    columns: tuple[str, ...]
    max_chars: int
    label: str
    builder: str
    extract_sha256: str


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"


def _rows(inventory: Path) -> tuple[list[dict[str, str]], int]:
    with inventory.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _NEEDED if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{inventory}: columns {missing} are missing (the file has "
                f"{reader.fieldnames}); pass the 2025 federal inventory CSV."
            )
        raw = list(reader)
    kept = []
    for row in raw:
        label = (row[LABEL_COLUMN] or "").strip()
        if not label:
            continue
        text = f"{_cut(row['problem_solved'] or '')} Outputs: {_cut(row['system_outputs'] or '')}"
        kept.append(
            {
                "id": (row["id"] or "").strip(),
                "agency": (row["agency"] or "").strip(),
                "name": _cut(row["use_case_name"] or ""),
                "text": text,
                "label": label,
                "positive": "1" if label == POSITIVE else "0",
            }
        )
    return kept, len(raw)


def _gzip(text: str) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def build_extract(inventory: str | Path, output: str | Path) -> Provenance:
    """Write `output` (.csv.gz) and `<name>.provenance.json` beside it; return the provenance."""
    inventory, output = Path(inventory), Path(output)
    if not inventory.is_file():
        raise InputError(f"{inventory}: no such file.")
    rows, count = _rows(inventory)
    if not rows:
        raise InputError(f"{inventory}: no row has a '{LABEL_COLUMN}' determination.")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = _gzip(buffer.getvalue())
    provenance = Provenance(
        title="2025 US federal AI use-case inventory",
        source="ombegov/2025-Federal-Agency-AI-Use-Case-Inventory, "
        "Data/2025_individually_reported_AI_use_cases.csv",
        source_date="2026-04-14",
        licence="US government work, public domain (17 U.S.C. 105)",
        source_sha256=hashlib.sha256(inventory.read_bytes()).hexdigest(),
        source_rows=count,
        rows=len(rows),
        positives=sum(r["positive"] == "1" for r in rows),
        columns=COLUMNS,
        max_chars=MAX_CHARS,
        label=f"{LABEL_COLUMN} == '{POSITIVE}' (rows with a blank determination left out)",
        builder="python -m usecase_kit.precedent.build",
        extract_sha256=hashlib.sha256(data).hexdigest(),
    )
    atomic_write(output, lambda p: p.write_bytes(data))
    meta = output.with_name(output.name.split(".")[0] + ".provenance.json")
    atomic_write_text(meta, json.dumps(asdict(provenance), indent=2) + "\n")
    return provenance


def main(argv: list[str] | None = None) -> None:
    from usecase_kit.paths import templates_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventory", type=Path)
    parser.add_argument(
        "--output", type=Path, default=templates_dir() / "precedent" / "us_federal_2025.csv.gz"
    )
    args = parser.parse_args(argv)
    made = build_extract(args.inventory, args.output)
    print(f"wrote {args.output}: {made.rows} rows, {made.positives} high-impact")


if __name__ == "__main__":
    main()
