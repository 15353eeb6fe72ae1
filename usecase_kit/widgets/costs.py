"""What-if sliders for costs (volume, cache hit rate, model) that recompute the projection live.

For input in JupyterLab only: widgets do not render in static HTML packs, so every number a
pack needs is also printed by the notebook. ipywidgets and plotly are imported lazily.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from usecase_kit.costs import CostProjection, TokenEstimate, Volume, project_costs
from usecase_kit.costs.inputs import Uncertain
from usecase_kit.pricing import PriceCatalogue

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["WhatIf", "cost_what_if", "summary_html"]


@dataclass(frozen=True)
class WhatIf:
    """The fixed parts of a what-if: pilot usage (or estimates), base volume, catalogue."""

    usage: pd.DataFrame | None
    volume: Volume
    catalogue: PriceCatalogue
    tokens: TokenEstimate | None = None
    months: int = 24
    n_sims: int = 2_000
    seed: int = 0
    #: the same assumptions as the notebook's projection, so a what-if at factor 1 and the
    #: pilot's cache share reproduces it (they were left at the library defaults before)
    drift: Uncertain = (1.0, 1.1, 1.5)
    retry_rate: Uncertain = 0.02
    extra_calls_per_request: Uncertain = 0.0

    def project(self, model: str, volume_factor: float, cache_hit_rate: float) -> CostProjection:
        """The projection for one position of the sliders."""
        v = self.volume
        scaled = Volume(
            v.low * volume_factor,
            v.likely * volume_factor,
            v.high * volume_factor,
            v.growth_per_month,
        )
        hit = None if cache_hit_rate <= 0 else cache_hit_rate
        return project_costs(
            self.usage,
            scaled,
            self.catalogue.lookup(model),
            months=self.months,
            n_sims=self.n_sims,
            seed=self.seed,
            tokens=self.tokens,
            cache_hit_rate=hit,
            drift=self.drift,
            retry_rate=self.retry_rate,
            extra_calls_per_request=self.extra_calls_per_request,
        )


def _money(value: float) -> str:
    """USD for HTML shown in JupyterLab: the dollar sign as an entity, so two amounts in one
    output are never read as TeX ('$0 to $0' rendered as italic '0to0')."""
    return f"&#36;{value:,.2f}"


def summary_html(projection: CostProjection) -> str:
    """P50/P90/P95 per month and per year, as a small HTML table with the price date."""
    if projection.unpriced:
        note = html.escape(projection.notes[0]).replace("$", "&#36;")
        return f"<b>{html.escape(projection.model)}: UNPRICED</b> — {note}"
    rows = "".join(
        f"<tr><td>{label}</td>"
        + "".join(f"<td>{_money(getattr(projection, f'{key}_p{q}'))}</td>" for q in (50, 90, 95))
        + "</tr>"
        for label, key in (("per month", "monthly"), ("per year", "annual"))
    )
    basis = html.escape(projection.basis).replace("$", "&#36;")
    return (
        f"<b>{html.escape(projection.model)}</b> — {basis}; prices as of {projection.price_as_of}"
        f"<table><tr><th></th><th>P50</th><th>P90</th><th>P95</th></tr>{rows}</table>"
    )


def cost_what_if(what_if: WhatIf, models: Sequence[str], *, cache_hit_rate: float = 0.0) -> Any:
    """A box of sliders (volume ×, cache hit rate, model), a summary and a live fan chart."""
    import ipywidgets as widgets
    from IPython.display import display as ipython_display

    display = cast("Callable[[object], None]", ipython_display)

    from usecase_kit.charts.costs import cost_fan_chart

    model = widgets.Dropdown(options=list(models), value=models[0], description="Model")
    factor = widgets.FloatLogSlider(
        value=1.0, base=10, min=-1, max=1, step=0.05, description="Volume ×"
    )
    hit = widgets.FloatSlider(
        value=cache_hit_rate, min=0.0, max=0.95, step=0.05, description="Cache hit"
    )
    summary, chart = widgets.HTML(), widgets.Output()

    def update(_: object = None) -> None:
        projection = what_if.project(model.value, factor.value, hit.value)
        summary.value = summary_html(projection)
        chart.clear_output(wait=True)
        with chart:
            display(cost_fan_chart(projection))

    for control in (model, factor, hit):
        control.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([model, factor, hit]), summary, chart])
