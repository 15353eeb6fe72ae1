"""Precedent: how public agencies classified use cases like this one.

`PrecedentBase` searches classified public cases (shipped: the 2025 US federal AI use-case
inventory, `templates/precedent/`) for the ones most similar to a use case; `classify()` reports
the share flagged high-impact and, when it is strong, raises the floor to high scrutiny *for
review*. scikit-learn is imported only when a base is built.
"""

from __future__ import annotations

from usecase_kit.precedent.base import PrecedentBase, PrecedentRecord, default_base, query_text
from usecase_kit.precedent.records import PrecedentCase, PrecedentSummary

__all__ = [
    "PrecedentBase",
    "PrecedentCase",
    "PrecedentRecord",
    "PrecedentSummary",
    "default_base",
    "query_text",
]
