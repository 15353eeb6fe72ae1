"""HTML sections of a decision pack and the portfolio index, rendered with Jinja2 (autoescaped).

Everything a user typed (names, descriptions, rationales, model answers) reaches the page only
through these templates, so it is escaped.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit.formatting import metric_value, usd

if TYPE_CHECKING:
    from jinja2 import Environment

    from usecase_kit.assessment import Assessment

__all__ = ["HTML", "SECTIONS", "metric_value", "pack_section", "render_index", "usd"]

_HTML_DIR = Path(__file__).resolve().parent / "html"
SECTIONS = ("header", "verdict", "scores", "tier", "pilot", "cost")


@lru_cache(maxsize=1)
def _env() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(_HTML_DIR), autoescape=True, undefined=StrictUndefined
    )
    env.filters.update(usd=usd, metric=metric_value)
    return env


class HTML:
    """Displayable HTML for notebooks (`_repr_html_`), with the text kept for tests."""

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def pack_section(name: str, assessment: Assessment) -> HTML:
    """One section of a decision pack: header, verdict, scores, tier, pilot or cost."""
    if name not in SECTIONS:
        raise KeyError(f"unknown pack section {name!r}; known: {', '.join(SECTIONS)}")
    html = (
        _env()
        .get_template(f"{name}.html")
        .render(
            a=assessment,
            uc=assessment.use_case,
            d=assessment.decision,
            c=assessment.controls,
            e=assessment.evaluation,
            s=assessment.pilot_summary or {},
            k=assessment.cost,
        )
    )
    return HTML(html)


def render_index(rows: list[dict[str, Any]], *, chart_html: str, **meta: Any) -> str:
    """The portfolio overview page: one row per use case with its verdict and a link."""
    return _env().get_template("index.html").render(rows=rows, chart=chart_html, **meta)
