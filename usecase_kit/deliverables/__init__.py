"""What a partner sends: the steering-committee deck (``deck.pptx``, python-pptx) and one
decision memo per use case (``<use-case>/decision_memo.docx``, python-docx).

Both are built from the batch's `PackResult` records only (``results.json``), as the index and
summaries are, so the deck, the memo and the HTML pack cannot tell different stories. Text stays
editable; the portfolio matrix is a PNG drawn with Pillow (python-pptx's own dependency), because
plotly's image export (kaleido) starts Chromium and took 14 s for one figure here.
"""

from __future__ import annotations

from usecase_kit.deliverables.build import read_records, write_deliverables
from usecase_kit.deliverables.deck import build_deck
from usecase_kit.deliverables.matrix import matrix_png
from usecase_kit.deliverables.memo import build_memo

__all__ = ["build_deck", "build_memo", "matrix_png", "read_records", "write_deliverables"]
