"""How a figure reaches a page: plotly's JSON for JupyterLab, and for exported HTML a div that
draws it with the plotly.js the page inlines once (never a CDN, never a copy per figure).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["PLOTLY_CONFIG", "PackFigure", "figure_html"]

#: The chart toolbar without the plotly logo or a link to plotly's cloud.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def figure_html(figure: Any, *, div_id: str | None = None) -> str:
    """A ``<div>`` and the script that draws ``figure`` with a page-level ``Plotly``.

    The id is a hash of the figure, so the same figure gives the same HTML (runs compare).
    """
    payload = figure.to_json()
    ident = div_id or "fig-" + hashlib.sha256(payload.encode()).hexdigest()[:12]
    html: str = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=ident,
        config=PLOTLY_CONFIG,
        default_width="100%",
    )
    return f'<div class="plot">{html}</div>'


class PackFigure:
    """A figure for a notebook cell: JupyterLab renders the plotly mimetype; nbconvert keeps the
    HTML (it has no plotly renderer), which needs the page's inlined plotly.js."""

    def __init__(self, figure: Any) -> None:
        self.figure = figure

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        spec = json.loads(self.figure.to_json())
        spec["config"] = PLOTLY_CONFIG
        return {"application/vnd.plotly.v1+json": spec, "text/html": figure_html(self.figure)}
