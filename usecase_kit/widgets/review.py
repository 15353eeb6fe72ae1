"""The output review panel (ipywidgets): one planned record at a time, its input, output and
reference answer; pass or fail with a comment, saved to the workspace database at once.

Keyboard friendly: every control is reachable with Tab, and the command box takes ``p`` (pass),
``f`` (fail), ``n`` (next), ``b`` (back) followed by Enter, so a reviewer can work without the
mouse. Text from the run is HTML-escaped before it is shown.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from usecase_kit.evaluation.review import ReviewLabel, ReviewStore, review_progress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReviewPanel", "review_panel"]

_HELP = "p = pass, f = fail, n = next, b = back; then Enter"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


class ReviewPanel:
    """State and widgets of the panel; ``widget`` is what a notebook displays."""

    def __init__(
        self,
        plan: pd.DataFrame,
        store: ReviewStore,
        *,
        reviewer: str = "",
        required_share: float = 1.0,
    ) -> None:
        import ipywidgets as w

        self.plan = plan.reset_index(drop=True)
        self.store = store
        self.required_share = required_share
        self.position = self._first_unlabelled()
        self.reviewer = w.Text(value=reviewer, description="Reviewer", placeholder="your name")
        self.record = w.HTML()
        self.comment = w.Textarea(placeholder="comment (optional)", layout={"width": "80%"})
        self.pass_button = w.Button(description="Pass", button_style="success", tooltip="p")
        self.fail_button = w.Button(description="Fail", button_style="danger", tooltip="f")
        self.back_button = w.Button(description="◀ Back", tooltip="b")
        self.next_button = w.Button(description="Next ▶", tooltip="n")
        self.command = w.Text(placeholder=_HELP, description="Key", continuous_update=False)
        self.status = w.HTML()
        self.pass_button.on_click(lambda _: self.label("pass"))
        self.fail_button.on_click(lambda _: self.label("fail"))
        self.back_button.on_click(lambda _: self.move(-1))
        self.next_button.on_click(lambda _: self.move(1))
        self.command.observe(lambda change: self._command(change["new"]), names="value")
        buttons = [self.pass_button, self.fail_button, self.back_button, self.next_button]
        self.widget = w.VBox(
            [self.reviewer, self.record, self.comment, w.HBox(buttons), self.command, self.status]
        )
        self._show()

    def _run_id_at(self, position: int) -> str:
        return _text(self.plan.iloc[position].get("run_id")) or "run"

    def _key_at(self, position: int) -> str:
        return _text(self.plan.iloc[position].get("call_key")) or str(position)

    @property
    def run_id(self) -> str:
        return self._run_id_at(self.position)

    def _key(self) -> str:
        return self._key_at(self.position)

    def _first_unlabelled(self) -> int:
        """Where a reopened panel starts: the first planned record nobody has labelled yet
        (the last record when all are labelled)."""
        if self.plan.empty:
            return 0
        done = {(label.run_id, label.call_key) for label in self.store.labels()}
        for position in range(len(self.plan)):
            if (self._run_id_at(position), self._key_at(position)) not in done:
                return position
        return len(self.plan) - 1

    def label(self, verdict: str) -> ReviewLabel | None:
        """Save the verdict on the current record and move to the next."""
        if self.plan.empty:
            return None
        if not self.reviewer.value.strip():
            self.status.value = (
                "<b>Type your name in Reviewer first; nothing was saved.</b> Then press the key "
                "again."
            )
            return None
        row = self.plan.iloc[self.position]
        saved = self.store.save(
            ReviewLabel(
                self.run_id, self._key(), _text(row.get("case_id")), self.reviewer.value,
                verdict,  # type: ignore[arg-type]
                self.comment.value,
            )
        )  # fmt: skip
        self.move(1)
        return saved

    def move(self, step: int) -> None:
        if not self.plan.empty:
            self.position = min(max(self.position + step, 0), len(self.plan) - 1)
        self._show()

    def _command(self, value: str) -> None:
        key = value.strip().lower()[:1]
        if not key:
            return
        try:
            if key in ("p", "f"):
                self.label("pass" if key == "p" else "fail")
            elif key in ("n", "b"):
                self.move(1 if key == "n" else -1)
            else:
                self.status.value = f"Unknown key {html.escape(key)!r}: {_HELP}."
        finally:
            # cleared whatever happened, so the same key typed again is a new value the box
            # reports (a box left holding 'p' after an error ignored the next 'p')
            self.command.value = ""

    def _show(self) -> None:
        if self.plan.empty:
            self.record.value = "<i>Nothing to review.</i>"
            return
        row = self.plan.iloc[self.position]
        parts = [
            ("Input", row.get("question")),
            ("Output", row.get("output")),
            ("Reference", row.get("reference_answer")),
        ]
        shown = "".join(
            f"<p><b>{name}</b><br>{html.escape(_text(value)) or '<i>(empty)</i>'}</p>"
            for name, value in parts
        )
        case = html.escape(_text(row.get("case_id")))
        where = f"{self.position + 1} of {len(self.plan)} · case {case}"
        self.record.value = f"<div><small>{where}</small>{shown}</div>"
        self.comment.value = ""
        progress = review_progress(self.plan, self.store.labels(self.run_id), self.required_share)
        mine = {label.call_key: label for label in self.store.labels(self.run_id)}
        earlier = mine.get(self._key())
        if earlier is not None:
            self.record.value += (
                f"<p><i>Already labelled {html.escape(earlier.verdict)} by "
                f"{html.escape(earlier.reviewer)}.</i></p>"
            )
        self.status.value = (
            f"Reviewed {progress.reviewed} of {progress.planned} planned "
            f"({progress.passed} passed); the tier requires {progress.required_share:.0%} of "
            "outputs."
        )


def review_panel(
    plan: pd.DataFrame, workspace: str, *, reviewer: str = "", required_share: float = 1.0
) -> ReviewPanel:
    """A panel over ``plan`` (from ``evaluation.review.plan_review``) storing in ``workspace``."""
    return ReviewPanel(
        plan, ReviewStore(workspace), reviewer=reviewer, required_share=required_share
    )
