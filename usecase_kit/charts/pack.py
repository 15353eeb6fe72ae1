"""The figures of a decision pack, one per section, from an `Assessment`.

Each returns a plotly figure, or a short HTML note when the assessment has nothing to draw
(a prohibited use case has no cost), so a pack cell never fails for want of data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from usecase_kit.report import HTML

if TYPE_CHECKING:
    from usecase_kit.assessment import Assessment

__all__ = ["cost_chart", "radar", "scenarios_chart"]


def radar(assessment: Assessment) -> Any:
    """The use case's criterion scores on the rubric's axes."""
    import pandas as pd

    from usecase_kit.charts.scoring import radar_chart
    from usecase_kit.scoring import load_rubric

    return radar_chart(pd.Series(assessment.score_row), load_rubric())


def cost_chart(assessment: Assessment) -> Any:
    """Fan chart of the monthly cost (P5-P95 bands) over the projection horizon."""
    from usecase_kit.charts.costs import cost_fan_chart

    if assessment.cost is None:
        return HTML("<p><i>No cost projection to chart.</i></p>")
    return cost_fan_chart(assessment.cost, title=f"{assessment.use_case.name}: monthly cost")


def scenarios_chart(assessment: Assessment) -> Any:
    """Savings of the standard levers (caching, batch, shorter prompt) against the baseline."""
    from usecase_kit.charts.costs import scenario_chart

    if assessment.scenarios is None:
        return HTML("<p><i>No cost scenarios.</i></p>")
    return scenario_chart(assessment.scenarios)
