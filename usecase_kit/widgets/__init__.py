"""ipywidgets forms per stage: `scoring.scoring_form` (scores with anchors) and
`costs.WhatIf` (what-if sliders)."""
