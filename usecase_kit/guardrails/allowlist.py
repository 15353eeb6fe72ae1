"""A client's PII allow-list: words that are never personal data for this client.

The client's own name, its products, the markets it sells in: the NER model may read "Acme
Mutual" as an organisation or "Harrogate" as a place, and a prompt that names them is not
leaking anyone's data. ``pii_allow.txt`` in the workspace (``USECASE_KIT_HOME``), or beside a
portfolio, holds one entry per line (``#`` starts a comment); ``usecase-kit pii allow WORD``
adds one. An entry that is itself personal data (an e-mail address, a phone number, a card or
account number, an identifier) is refused with the reason: an allow-list is shared with every
run, so it must never hold the very data the guardrail exists to keep out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from usecase_kit.errors import InputError

__all__ = ["ALLOW_FILE", "add_allowed", "allow_files", "check_entry", "read_allowed"]

ALLOW_FILE = "pii_allow.txt"
_MAX_ENTRY = 80
#: Pattern findings that make an entry personal data (names from the model are not checked:
#: a client called "Marks & Spencer" must remain allowable).
_IDENTIFIERS = frozenset({
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "UK_NINO",
    "UK_DRIVING_LICENCE", "US_PASSPORT", "US_BANK_NUMBER", "IP_ADDRESS", "STREET_ADDRESS",
    "ZIP_CODE", "UK_NHS", "US_ITIN", "CRYPTO", "MEDICAL_LICENSE",
})  # fmt: skip


def allow_files(*folders: Path | None) -> list[Path]:
    """The allow-list files that apply: the workspace's, then each given folder's."""
    home = Path(os.environ.get("USECASE_KIT_HOME", Path.home() / ".usecase-kit"))
    seen: list[Path] = []
    for folder in (home, *folders):
        if folder is not None and (folder / ALLOW_FILE) not in seen:
            seen.append(folder / ALLOW_FILE)
    return [p for p in seen if p.is_file()]


def read_allowed(paths: Iterable[Path]) -> tuple[str, ...]:
    """Entries of the allow-list files, in order, without duplicates; each checked (by the
    cheap checks only: building a chain must not import Presidio; ``add_allowed`` runs the
    full pattern scan before an entry is written)."""
    entries: dict[str, None] = {}
    problems: list[str] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            entry = line.split("#", 1)[0].strip()
            if not entry:
                continue
            reason = check_entry(entry, thorough=False)
            if reason:
                problems.append(f"{path}, line {number}: {entry!r}: {reason}")
            entries.setdefault(entry, None)
    if problems:
        raise InputError(
            "PII allow-list entries that are personal data themselves; delete those lines:",
            problems,
        )
    return tuple(entries)


def check_entry(entry: str, *, thorough: bool = True) -> str:
    """Why ``entry`` cannot be allow-listed ('' when it can). ``thorough`` runs Presidio's
    patterns (card, IBAN, NI number, address ...); otherwise an @ or seven digits refuse."""
    if not entry.strip():
        return "empty"
    if len(entry) > _MAX_ENTRY:
        return f"longer than {_MAX_ENTRY} characters: allow a word or a name, not a passage"
    if "\n" in entry:
        return "more than one line"
    kinds = _identifiers(entry) if thorough else _fallback(entry)
    if kinds:
        what = ", ".join(sorted(kinds))
        return (
            f"it is personal data itself ({what}); an allow-list is applied to every run, so it "
            "may hold names of things (the client, products, places), never a person's details"
        )
    return ""


def add_allowed(path: Path, words: Sequence[str]) -> list[str]:
    """Append ``words`` to the allow-list file at ``path`` (created when missing); returns
    those added (entries already there are skipped). Nothing is written when one is refused."""
    problems = [f"{w!r}: {r}" for w in words for r in [check_entry(w)] if r]
    if problems:
        raise InputError(f"{path}: not added to the PII allow-list:", problems)
    present = set(read_allowed([path])) if path.is_file() else set()  # refuses a bad file
    new = [w.strip() for w in dict.fromkeys(words) if w.strip() not in present]
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_text(encoding="utf-8") if path.is_file() else _HEADER
        text = old if old.endswith("\n") else old + "\n"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text + "".join(f"{w}\n" for w in new), encoding="utf-8")
        tmp.replace(path)
    return new


_HEADER = (
    "# Words that are never personal data for this client (its name, products, markets).\n"
    "# One per line; matched whole, ignoring case. Added with: usecase-kit pii allow WORD\n"
)


def _identifiers(entry: str) -> set[str]:
    from usecase_kit.guardrails.pii import PiiConfig, PiiScanner
    from usecase_kit.guardrails.pii_engine import presidio_available

    if not presidio_available():
        return _fallback(entry)
    found = PiiScanner(PiiConfig(mode="patterns")).scan(entry)
    return {f.kind for f in found if f.kind in _IDENTIFIERS} | _fallback(entry)


def _fallback(entry: str) -> set[str]:
    """Without Presidio: an @ or a run of seven digits is enough to refuse."""
    import re

    kinds = set()
    if re.search(r"\S@\S+\.\S", entry):
        kinds.add("EMAIL_ADDRESS")
    if len(re.sub(r"\D", "", entry)) >= 7:
        kinds.add("PHONE_NUMBER or other number")
    return kinds
