"""HTML of decision packs and of the portfolio index: one Jinja2 environment (autoescaped) for
every section, with one money, number and date formatter.

Everything a user typed (names, descriptions, rationales, model answers) reaches a page only
through these templates, so it is escaped; nothing from a user is ever rendered as markdown or
as a link target.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit.display import HTML  # displayable HTML, shared with the result types
from usecase_kit.formatting import (
    criterion_label,
    field_label,
    metric_label,
    metric_value,
    number,
    plain_value,
    timestamp,
    usd,
)

if TYPE_CHECKING:
    from jinja2 import Environment

    from usecase_kit.assessment import Assessment

__all__ = [
    "HTML",
    "SECTIONS",
    "metric_value",
    "pack_css",
    "pack_section",
    "plotly_js",
    "render_index",
    "usd",
]

_HTML_DIR = Path(__file__).resolve().parent / "html"
#: The sections of a pack, in the order the pack notebook shows them.
SECTIONS = (
    "header",
    "summary",
    "profile",
    "scores",
    "tier",
    "evidence",
    "guardrails",
    "cost",
    "next_steps",
    "signoff",
    "provenance",
)
#: The partial plotly.js bundle inlined once per page (npm plotly.js-basic-dist-min, MIT).
PLOTLY_BUNDLE = _HTML_DIR / "vendor" / "plotly-basic-4.1.1.min.js"


def _pct(value: float | None, digits: int = 0) -> str:
    if value is None or value != value:
        return "—"
    return f"{100 * value:.{digits}f}%"


def _spread(value: Any) -> str:
    """An uncertain input as a reader says it: 0.02, 1.0-1.5 (likely 1.1), none."""
    if value is None:
        return "none"
    if isinstance(value, list | tuple):
        if len(value) == 3:
            return f"{value[0]:g}-{value[2]:g} (likely {value[1]:g})"
        return "-".join(f"{v:g}" for v in value)
    return f"{value:g}"


@lru_cache(maxsize=1)
def _env() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(_HTML_DIR), autoescape=True, undefined=StrictUndefined
    )
    env.filters.update(
        usd=usd,
        metric=metric_value,
        metric_label=metric_label,
        criterion=criterion_label,
        field=field_label,
        plain=plain_value,
        pct=_pct,
        num=number,
        when=timestamp,
        spread=_spread,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Any template of the environment (sections, index, error page)."""
    return str(_env().get_template(template).render(**context))


def pack_section(name: str, assessment: Assessment) -> HTML:
    """One section of a decision pack (see `SECTIONS`)."""
    if name not in SECTIONS:
        raise KeyError(f"unknown pack section {name!r}; known: {', '.join(SECTIONS)}")
    from usecase_kit.pack_record import verdict_statement

    record = assessment.result()
    context = {
        "v": verdict_statement(record),
        "a": assessment,
        "r": record,
        "uc": assessment.use_case,
        "d": assessment.decision,
        "c": assessment.controls,
        "e": assessment.evaluation,
        "s": assessment.pilot_summary or {},
        "k": assessment.cost,
        "rubric": assessment.setup.rubric,
        "controls_plan": controls_plan(assessment),
        "steps": next_steps(assessment),
    }
    return HTML(render(f"{name}.html", **context))


def controls_plan(a: Assessment) -> list[dict[str, str]]:
    """Each control the tier requires: met / missing / not applicable, and who owns it."""
    from usecase_kit.decision import REVIEW_SHARE

    owner = a.use_case.owner or "use case owner (not named in the portfolio)"
    rows = []
    for gate in a.decision.gates:
        status = {"pass": "met", "not applicable": "not applicable"}.get(gate.status, "missing")
        threshold = metric_value(gate.threshold, gate.metric)
        requirement = f"{metric_label(gate.metric)} {gate.op} {threshold}"
        rows.append({"control": "Evaluation gate", "requirement": requirement, "status": status,
                     "owner": owner, "note": gate.why})  # fmt: skip
    for guardrail in a.controls.guardrails:
        status, note = _guardrail_status(a, guardrail)
        rows.append({"control": "Guardrail", "requirement": guardrail.replace("_", " "),
                     "status": status, "owner": owner, "note": note})  # fmt: skip
    share = a.controls.human_review_share
    planned = REVIEW_SHARE.get(a.use_case.human_review, 0.0)
    rows.append({"control": "Human review", "requirement": f"{share:.0%} of outputs",
                 "status": "met" if planned >= share else "missing", "owner": owner,
                 "note": f"planned: {a.use_case.human_review.replace('_', ' ')}"})  # fmt: skip
    rows.append({"control": "Log retention", "requirement": f"{a.controls.log_retention_days} days",
                 "status": "missing" if a.controls.log_retention_days else "not applicable",
                 "owner": owner, "note": "to be configured in production logging"})  # fmt: skip
    if a.controls.sign_off:
        rows.append({"control": "Sign-off", "requirement": a.controls.sign_off,
                     "status": "missing", "owner": ", ".join(_signers(a)),
                     "note": "see the sign-off block"})  # fmt: skip
    return rows


def _signers(a: Assessment) -> list[str]:
    from usecase_kit.decision import load_stage_policy

    sp = load_stage_policy()
    return [sp.roles[r] for r in sp.sign_off_roles(a.tier.tier, a.use_case.data_sensitivity)]


def _guardrail_status(a: Assessment, label: str) -> tuple[str, str]:
    """Met when the scanners implementing ``label`` ran around the pilot's calls."""
    from usecase_kit.guardrails.policy import load_policy

    scanners = load_policy().controls.get(label, [])
    ran = a.guardrails is not None and a.guardrails.get("tier") == a.tier.tier
    if not scanners:
        return "missing", "an evaluation over a labelled set, not a call hook: run it and record it"
    if not ran:
        return "missing", "no pilot has run with this tier's guardrails yet"
    found = sum(
        n for kind, n in (a.guardrails or {}).get("findings_by_kind", {}).items()
        if kind.split(":")[0] in scanners
    )  # fmt: skip
    return "met", f"{', '.join(scanners)} ran on every pilot call ({found} finding(s))"


def next_steps(a: Assessment) -> list[dict[str, str]]:
    """What happens next, who does it and by when: the record's statement (`verdict_statement`),
    so the next steps and the summary say the same."""
    from usecase_kit.pack_record import verdict_statement

    return [dict(s) for s in verdict_statement(a.result())["next"]]


def pack_css() -> str:
    return (_HTML_DIR / "style.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The partial plotly.js bundle (scatter, bar, pie), inlined once per page."""
    return PLOTLY_BUNDLE.read_text(encoding="utf-8")


def render_index(rows: list[dict[str, Any]], *, chart_html: str, **meta: Any) -> str:
    """The portfolio overview page: one row per use case with its verdict and a link."""
    return render("index.html", rows=rows, chart=chart_html, css=pack_css(), plotly=plotly_js(),
                  **meta)  # fmt: skip
