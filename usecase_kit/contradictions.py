"""What a partner would catch before sending a pack: the record and the page contradicting
themselves (issue 20).

Each check names the pack and quotes the text at fault. They read only the record
(``results.json``) and the page's visible text, so they run on old packs too (the figures of
docs/packs.md, before and after the stage gates, come from them).
"""

from __future__ import annotations

import functools
import html as htmlmod
import re
from pathlib import Path

from usecase_kit.paths import project_root, templates_dir
from usecase_kit.results import PackResult

__all__ = ["contradictions", "signoff_roles_of", "visible_text"]

#: Gates that approve production: only on a model's evidence that meets every gate.
_PRODUCTION = ("approve_production", "approve_production_with_conditions")
#: A file name a reader could go looking for.
_FILE = re.compile(r"(?<![\w@/.-])((?:[\w.-]+/)*[\w-]+\.(?:md|yaml|yml|csv|json|xlsx|py))\b")


def visible_text(page: str) -> str:
    """The text a reader sees: no scripts, styles or tags, entities decoded, spaces collapsed."""
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return " ".join(htmlmod.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def signoff_roles_of(page: str) -> list[str]:
    """The first cell of each body row of the sign-off table."""
    table = re.search(r'(?s)<table class="signoff">(.*?)</table>', page)
    if not table:
        return []
    rows = re.findall(r"(?s)<tr>\s*<td>(.*?)</td>", table.group(1))
    return [visible_text(r) for r in rows]


def contradictions(record: PackResult, page: str | None = None, run_dir: Path | None = None
                   ) -> list[str]:  # fmt: skip
    """Every contradiction found in one pack's record and (when given) its page."""
    found = _record_checks(record)
    if page is not None:
        found += _page_checks(record, page, run_dir)
    return [f"{record.use_case_id}: {f}" for f in dict.fromkeys(found)]


def _record_checks(r: PackResult) -> list[str]:
    d, e = r.decision, r.evidence
    if d is None:
        return []
    found = []
    judged = [g for g in d.gates if g.status != "not applicable"]
    passed = [g for g in judged if g.status == "pass"]
    # an old record names no gate: a GO or CONDITIONAL GO reads as approving production
    production = d.gate in _PRODUCTION or (not d.gate and d.verdict != "no_go")
    if production:
        if e is None:
            found.append(f"{d.headline!r} approves production with no pilot at all")
        elif e.is_baseline:
            found.append(f"{d.headline!r} approves production on the offline baseline only")
        if judged and len(passed) < len(judged):
            found.append(
                f"{d.headline!r} with {len(passed)} of {len(judged)} evaluation gates passed"
            )
    if d.gate == "approve_production" and d.conditions:
        found.append(f"{d.headline!r} yet {len(d.conditions)} condition(s) remain")
    words = " ".join([d.headline, *d.reasons])
    if e is not None and e.cases and re.search(r"no pilot|worth a pilot\b", words):
        kind = "offline baseline" if e.is_baseline else "model"
        found.append(f"{d.headline!r} beside a {e.cases}-case {kind} pilot")
    claims = r.use_case.get("stage") in ("pilot", "deployed") and (e is None or e.is_baseline)
    said = any("records the stage" in x for x in d.reasons) or d.basis == "prohibited"
    if claims and not said:
        found.append(
            f"the portfolio says stage {r.use_case['stage']!r} but there is no model pilot "
            "evidence, and the verdict does not say so"
        )
    for item in d.plan:
        missing = [k for k in ("owner", "evidence") if not item.get(k)]
        if missing or item.get("due_days") is None:
            found.append(f"condition {item.get('text')!r} has no {', '.join(missing) or 'due'}")
    if d.gate and d.conditions and not d.plan:
        found.append("conditions without an owner, a due date or closing evidence")
    return found


def _page_checks(r: PackResult, page: str, run_dir: Path | None) -> list[str]:
    found = []
    text = visible_text(page)
    roles = r.decision.sign_off if r.decision and r.decision.sign_off else _DEFAULT_ROLES
    for cell in signoff_roles_of(page):
        if not any(cell.startswith(role) for role in roles):
            found.append(f"sign-off Role cell {cell!r} is not one of the roles {roles}")
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        clauses = re.findall(r"\(([^()]{20,})\)", sentence)
        for clause in {c for c in clauses if clauses.count(c) > 1}:
            found.append(f"the clause ({clause}) is repeated in one sentence")
    for name in sorted(set(_FILE.findall(text))):
        if not _exists(name, run_dir):
            found.append(f"cites {name}, which is not in the project or the run folder")
    return found


_DEFAULT_ROLES = ["Business owner", "Engagement partner"]


#: Upstream files the price source names with their repository (not shipped, and not claimed to be).
_UPSTREAM = frozenset({"model_prices_and_context_window.json", "litellm_model_prices.json"})


def _exists(name: str, run_dir: Path | None) -> bool:
    if name in _UPSTREAM:
        return True
    bases = [project_root(), templates_dir(), *([run_dir] if run_dir else [])]
    if any((b / name).exists() for b in bases):
        return True
    return Path(name).name in _project_files()


@functools.lru_cache(maxsize=1)
def _project_files() -> frozenset[str]:
    root = project_root()
    names = set()
    for folder in ("usecase_kit", "templates", "docs", "notebooks", "benchmarks", "scripts"):
        names |= {p.name for p in (root / folder).rglob("*") if p.is_file()}
    return frozenset(names | {p.name for p in root.iterdir() if p.is_file()})
