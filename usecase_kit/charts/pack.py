"""The figures of a decision pack, one per section, from an `Assessment`.

Each returns a `PackFigure` (plotly JSON for JupyterLab, a div for the exported page), or a
short HTML note when the assessment has nothing to draw (a prohibited use case has no cost), so
a pack cell never fails for want of data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from usecase_kit.charts.embed import PackFigure
from usecase_kit.report import HTML

if TYPE_CHECKING:
    from usecase_kit.assessment import Assessment

__all__ = ["cost_chart", "criteria", "scenarios_chart"]


def criteria(assessment: Assessment) -> Any:
    """The use case's criterion scores, each saying which way is good."""
    from usecase_kit.charts.scoring import criteria_chart

    return PackFigure(criteria_chart(assessment.score_row, assessment.setup.rubric))


def cost_chart(assessment: Assessment) -> Any:
    """Fan chart of the monthly cost (P5-P95 bands) over the projection horizon."""
    from usecase_kit.charts.costs import cost_fan_chart

    if assessment.cost is None or assessment.cost.unpriced:
        return HTML("")
    return PackFigure(
        cost_fan_chart(assessment.cost, title=f"{assessment.use_case.name}: monthly cost")
    )


def scenarios_chart(assessment: Assessment) -> Any:
    """Savings of the standard levers (caching, batch, shorter prompt) against the baseline."""
    from usecase_kit.charts.costs import scenario_chart

    if assessment.scenarios is None or (assessment.cost is not None and assessment.cost.unpriced):
        return HTML("")
    return PackFigure(scenario_chart(assessment.scenarios))
