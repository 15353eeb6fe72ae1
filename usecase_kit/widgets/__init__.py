"""ipywidgets forms per stage: `scoring.scoring_form` (scores with anchors), `costs.WhatIf` (sliders)."""
