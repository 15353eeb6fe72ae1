"""How the package's results show themselves in JupyterLab: small HTML with the decision first.

The result objects (`TierResult`, `PilotRun`, `EvalReport`, `CostProjection`, `Decision`,
`Groundedness`) call these from their ``_repr_html_``, and `scorecard_view` turns the scorecard
table into what a reader wants first (rank, use case, risk tier, score, why). Everything the user
or a run wrote is HTML-escaped; money is written with ``&#36;`` because JupyterLab typesets text
between two dollar signs as TeX ("$0 to $0" became an italic "0to0").
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from usecase_kit.formatting import TIER_LABELS as TIER_READING
from usecase_kit.formatting import metric_label, metric_value, number, usd

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.costs.projection import CostProjection
    from usecase_kit.decision import Decision
    from usecase_kit.evaluation.groundedness import Groundedness
    from usecase_kit.evaluation.results import EvalReport
    from usecase_kit.pilot.records import PilotRun
    from usecase_kit.risk.evidence import TierResult

__all__ = [
    "decision_html",
    "eval_report_html",
    "groundedness_html",
    "money",
    "pilot_run_html",
    "projection_html",
    "scorecard_view",
    "tier_html",
]

_STYLE = (
    "<style>.uk-view{font-family:system-ui,sans-serif;max-width:60em}"
    ".uk-view table{border-collapse:collapse;margin:.3em 0}"
    ".uk-view th,.uk-view td{text-align:left;vertical-align:top;padding:.2em .6em;"
    "border-bottom:1px solid #ddd}.uk-view .num{text-align:right;white-space:nowrap}"
    ".uk-view .head{font-size:1.1em;font-weight:600;margin:.2em 0 .4em}"
    ".uk-view .muted{color:#666}</style>"
)


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value)).replace("$", "&#36;")


def money(value: float | None) -> str:
    """USD as HTML JupyterLab shows as money, never as maths; '–' when unknown."""
    return _e(usd(value)) if value is not None else "–"


class HTML:
    """Displayable HTML for notebooks (``_repr_html_``), the text kept for tests; `report`
    uses it too, and it lives here so the result types show themselves without importing the
    report machinery."""

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def _wrap(title: str, body: str) -> str:
    return f"{_STYLE}<div class='uk-view'><div class='head'>{title}</div>{body}</div>"


def _rows(pairs: Iterable[tuple[str, str]]) -> str:
    """A two-column table; values are HTML already (escape before)."""
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs)
    return f"<table>{body}</table>"


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>" if items else ""


# ---------------------------------------------------------------------- the scorecard


def scorecard_view(card: pd.DataFrame, *, reasons: int = 2) -> Any:
    """The ranked scorecard as a reader wants it: rank, use case, risk tier, score, status and
    why (the first ``reasons`` tier reasons), in a page's width; the full table stays in
    ``card``."""
    rows = []
    for _, row in card.iterrows():
        rank = row.get("rank")
        rank_text = "–" if rank is None or _missing(rank) else str(int(rank))
        score = row.get("weighted_score")
        score_text = "–" if score is None or _missing(score) else number(float(score), 1)
        why = [str(r) for r in (row.get("tier_reasons") or [])][:reasons]
        gates = row.get("gates_failed") or []
        gate_text = f"<br><span class='muted'>gates failed: {_e(', '.join(gates))}</span>"
        rows.append(
            f"<tr><td class='num'>{rank_text}</td><td><b>{_e(row.get('name'))}</b><br>"
            f"<span class='muted'>{_e(row.get('id'))} · {_e(row.get('business_unit'))}</span>"
            f"</td><td>{_e(TIER_READING.get(str(row.get('tier')), row.get('tier')))}</td>"
            f"<td class='num'>{score_text}</td><td>{_e(row.get('status'))}"
            f"{gate_text if gates else ''}</td><td>{_list(why)}</td></tr>"
        )
    head = (
        "<tr><th>Rank</th><th>Use case</th><th>Risk tier</th><th>Score (0-100)</th>"
        "<th>Status</th><th>Why this tier</th></tr>"
    )
    table = f"<table>{head}{''.join(rows)}</table>"
    note = (
        "<p class='muted'>Prohibited, gated and unscored use cases are never ranked. The full "
        "table (every criterion, the evidence and basis) is the DataFrame itself.</p>"
    )
    return HTML(_wrap(f"Ranked scorecard: {len(card)} use cases", table + note))


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or str(value) in {"<NA>", "nan", "None"}
    except (TypeError, ValueError):
        return str(value) in {"<NA>", "nan", "None"}


# ---------------------------------------------------------------------- results


def tier_html(result: TierResult) -> str:
    items = []
    for evidence in result.evidence:
        basis = "; ".join(f"{b.instrument} {b.point} ({b.status})" for b in evidence.basis[:3])
        items.append(
            f"<li>{_e(evidence.sentence(plain=True))}"
            f"{'<br><span class=muted>' + _e(basis) + '</span>' if basis else ''}</li>"
        )
    review = "<p><b>For review:</b> precedent alone raised it.</p>" if result.for_review else ""
    body = f"{review}<ul>{''.join(items)}</ul>"
    return _wrap(_e(TIER_READING.get(result.tier, result.tier)), body)


def pilot_run_html(run: PilotRun) -> str:
    s = run.summary()
    failures = ", ".join(f"{k} {v}" for k, v in (s.get("failures_by_kind") or {}).items())
    pairs = [
        ("Calls", f"{s['calls']} ({s['ok']} answered, {s['failed']} failed"
         f"{': ' + _e(failures) if failures else ''}; {s['cache_hits']} from the cache)"),
        ("Spent by this run", money(s.get("spent_usd"))),
        ("Budget of the use case", f"{money(s.get('budget_charged_usd'))} charged of "
         f"{money(s.get('budget_usd'))}"),
        ("Cost of the answers", money(s.get("cost_usd"))),
        ("Tokens", f"{s['input_tokens']:,} in, {s['output_tokens']:,} out"),
        ("Latency", f"median {_seconds(s.get('latency_p50_s'))}, "
         f"95th percentile {_seconds(s.get('latency_p95_s'))}"),
    ]  # fmt: skip
    if s.get("is_baseline"):
        pairs.append(("Model", "offline baseline (BM25 retrieval, not a language model)"))
    notes = _list([str(n) for n in s.get("notes") or []])
    title = f"Pilot run {_e(run.run_id)} · use case {_e(run.use_case_id)}"
    return _wrap(title, _rows(pairs) + notes)


def _seconds(value: float | None) -> str:
    return "–" if value is None or _missing(value) else f"{value:.3f} s"


def eval_report_html(report: EvalReport) -> str:
    parts = []
    for group in report.groups:
        rows = []
        for result in group.metrics.values():
            if result.status != "ok":
                value = f"<span class='muted'>{_e(result.status)}</span>"
                interval = ""
            else:
                value = _e(metric_value(result.value, result.name))
                interval = (
                    f"{_e(metric_value(result.ci_low, result.name))} to "
                    f"{_e(metric_value(result.ci_high, result.name))}"
                )
            rows.append(
                f"<tr><td>{_e(metric_label(result.name))}</td><td class='num'>{value}</td>"
                f"<td class='num'>{interval}</td><td class='num'>{result.n}</td></tr>"
            )
        head = "<tr><th>Metric</th><th>Value</th><th>95% interval</th><th>Cases</th></tr>"
        parts.append(f"<p><b>{_e(group.label)}</b></p><table>{head}{''.join(rows)}</table>")
    return _wrap("Evaluation", "".join(parts))


def projection_html(projection: CostProjection) -> str:
    if projection.unpriced:
        note = projection.notes[0] if projection.notes else "no price for this model"
        return _wrap(f"{_e(projection.model)}: unpriced", f"<p>{_e(note)}</p>")
    rows = [
        ("per month", projection.monthly_p50, projection.monthly_p90, projection.monthly_p95),
        ("per year", projection.annual_p50, projection.annual_p90, projection.annual_p95),
        (
            "per request",
            projection.per_request_p50,
            projection.per_request_p90,
            projection.per_request_p95,
        ),
    ]
    body = "".join(
        f"<tr><th>{label}</th>" + "".join(f"<td class='num'>{money(v)}</td>" for v in values)
        + "</tr>"
        for label, *values in rows
    )  # fmt: skip
    head = "<tr><th></th><th>Median (P50)</th><th>P90</th><th>P95</th></tr>"
    source = f"<p class='muted'>{_e(projection.basis)}; prices as of {_e(projection.price_as_of)}"
    return _wrap(f"Cost of {_e(projection.model)} ({_e(projection.currency)})",
                 f"<table>{head}{body}</table>{source}</p>")  # fmt: skip


def decision_html(decision: Decision) -> str:
    body = f"<p><b>{_e(decision.headline)}</b></p>"
    if decision.reasons:
        body += f"<p>Why:</p>{_list(decision.reasons)}"
    if decision.conditions:
        body += f"<p>Conditions:</p>{_list(decision.conditions)}"
    if decision.would_change:
        body += f"<p>What would change it:</p>{_list(decision.would_change)}"
    return _wrap(_e(decision.label), body)


def groundedness_html(result: Groundedness) -> str:
    score = "no claims" if math.isnan(result.score) else f"{result.score:.2f}"
    rows = "".join(
        f"<tr><td>{_e(c.kind)}</td><td>{_e(c.text)}</td><td class='num'>{c.support:.2f}</td>"
        f"<td>{'supported' if c.supported else '<b>not supported</b>'}</td></tr>"
        for c in result.claims
    )
    head = "<tr><th>Claim</th><th>Text</th><th>Support</th><th></th></tr>"
    return _wrap(f"Groundedness {score}", f"<table>{head}{rows}</table>")


def summary_pairs(values: Mapping[str, Any]) -> str:
    """Any small mapping as a two-column table (escaped)."""
    return _rows((k, _e(v)) for k, v in values.items())
