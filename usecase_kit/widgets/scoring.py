"""The scoring form (ipywidgets): per use case and criterion a 1-5 choice showing its anchor, a
rationale box and the assessor's name; below, the EU AI Act questionnaire (the role, and per
question yes / no / unknown with its article, legal text and examples). Saving writes back to
the portfolio file (YAML/CSV/XLSX), changing only scores, rationale, `assessed_by` and the
questionnaire (each answer changed in the form is stamped with the assessor and the day).
ipywidgets is imported when a form is built.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from usecase_kit.errors import InputError
from usecase_kit.portfolio import Portfolio, UseCase, load_portfolio, save_portfolio
from usecase_kit.regulatory import ANSWERS, QUESTION_IDS, ROLES, AnswerRecord, Questionnaire
from usecase_kit.scoring.rubric import Rubric, load_rubric

__all__ = ["ScoringForm", "scoring_form"]

_UNSCORED = "–"


class ScoringForm:
    """State and widgets of the form; `widget` is what a notebook displays."""

    def __init__(self, path: str | os.PathLike[str], rubric: Rubric | None = None) -> None:
        import ipywidgets as w

        self.path = Path(path)
        self.portfolio: Portfolio = load_portfolio(self.path)
        self.rubric = rubric or load_rubric()
        ids = [u.id for u in self.portfolio]
        self.use_case = w.Dropdown(options=ids, description="Use case")
        self.assessor = w.Text(description="Assessor", placeholder="your name")
        self.controls: dict[str, Any] = {}
        self.anchors: dict[str, Any] = {}
        self.rationale: dict[str, Any] = {}
        rows = [self._criterion_row(w, name) for name in self.rubric.criteria]
        self.role = w.Dropdown(
            options=[("not declared", ""), *[(r, r) for r in ROLES]], description="Role"
        )
        self.role.observe(lambda change: self._role_changed(change["new"]), names="value")
        self.answers: dict[str, Any] = {}
        self._stamped: dict[str, set[str]] = {}  # use case -> questions answered in this form
        questionnaire = self._questionnaire(w)
        self.save_button = w.Button(description="Save to portfolio", button_style="primary")
        self.status = w.HTML()
        self.save_button.on_click(lambda _: self._save_clicked())
        self.use_case.observe(lambda change: self._show(change["new"]), names="value")
        self.widget = w.VBox(
            [
                w.HBox([self.use_case, self.assessor]),
                *rows,
                questionnaire,
                w.HBox([self.save_button, self.status]),
            ]
        )
        self._show(ids[0])

    def _criterion_row(self, w: Any, name: str) -> Any:
        criterion = self.rubric.criteria[name]
        options = [(_UNSCORED, 0), *[(str(level), level) for level in range(1, 6)]]
        toggle = w.ToggleButtons(options=options, style={"button_width": "2.5em"})
        anchor = w.HTML()
        note = w.Textarea(
            placeholder="rationale: the evidence behind this score",
            layout={"width": "60%", "height": "3em"},
        )
        toggle.observe(lambda change, n=name: self._changed(n, change["new"]), names="value")
        note.observe(lambda change, n=name: self._noted(n, change["new"]), names="value")
        self.controls[name], self.anchors[name], self.rationale[name] = toggle, anchor, note
        direction = " (higher is worse)" if criterion.direction == "cost" else ""
        title = w.HTML(f"<b>{_escape(criterion.label)}</b>{direction}")
        return w.VBox([title, w.HBox([toggle, anchor]), note])

    def _questionnaire(self, w: Any) -> Any:
        """The questions in four groups, each with its article, legal text and examples."""
        from usecase_kit.risk.questionnaire import load_questions

        groups: dict[str, list[Any]] = {}
        for question in load_questions().questions:
            options = [(_UNSCORED, ""), *[(a, a) for a in ANSWERS]]
            toggle = w.ToggleButtons(options=options, style={"button_width": "5em"})
            toggle.observe(
                lambda change, q=question.id: self._answered(q, change["new"]), names="value"
            )
            self.answers[question.id] = toggle
            text = (
                f"<b>{_escape(question.article)}</b>: {_escape(question.text)}<br>"
                f"<small>yes, e.g.: {_escape(question.example_yes)} · no, e.g.: "
                f"{_escape(question.example_no)}</small>"
            )
            groups.setdefault(_group(question.id), []).append(w.VBox([w.HTML(text), toggle]))
        accordion = w.Accordion(children=[w.VBox(rows) for rows in groups.values()])
        for index, title in enumerate(groups):
            accordion.set_title(index, title)
        return w.VBox([w.HTML("<b>EU AI Act questionnaire</b>"), self.role, accordion])

    # -------------------------------------------------------------- state

    def current(self) -> UseCase:
        return self.portfolio.get(str(self.use_case.value))

    def _replace(self, updated: UseCase) -> None:
        cases = tuple(updated if u.id == updated.id else u for u in self.portfolio)
        self.portfolio = Portfolio(cases, self.portfolio.source)

    def _show(self, use_case_id: str) -> None:
        use_case = self.portfolio.get(use_case_id)
        self._loading = True
        for name in self.rubric.criteria:
            self.controls[name].value = use_case.scores.get(name) or 0
            self.rationale[name].value = use_case.rationale.get(name, "")
            self._anchor(name, use_case.scores.get(name))
        self.assessor.value = self.assessor.value or (use_case.assessed_by or "")
        q = use_case.questionnaire
        self.role.value = (q.role if q is not None else None) or ""
        for question, toggle in self.answers.items():
            toggle.value = (q.said(question) if q is not None else None) or ""
        self._loading = False

    def _anchor(self, name: str, level: int | None) -> None:
        text = self.rubric.anchor(name, level) if level else "not scored yet"
        self.anchors[name].value = f"<i>{_escape(text)}</i>"

    def _changed(self, name: str, level: int) -> None:
        self._anchor(name, level or None)
        if not getattr(self, "_loading", False):
            self.set_score(str(self.use_case.value), name, level or None)

    def _noted(self, name: str, text: str) -> None:
        if not getattr(self, "_loading", False):
            self.set_rationale(str(self.use_case.value), name, text)

    def _answered(self, question: str, answer: str) -> None:
        if getattr(self, "_loading", False):
            return
        try:
            self.set_answer(str(self.use_case.value), question, answer or None)
        except InputError as exc:  # e.g. an exception answered before its practice
            self.status.value = f"<span style='color:#c62828'>{_escape(str(exc))}</span>"

    def _role_changed(self, role: str) -> None:
        if not getattr(self, "_loading", False):
            self.set_role(str(self.use_case.value), role or None)

    def _with_questionnaire(self, use_case: UseCase, **changes: Any) -> None:
        from pydantic import ValidationError

        current = use_case.questionnaire or Questionnaire()
        data = {**dict(current), **changes}
        try:
            questionnaire = Questionnaire.model_validate(data)
        except ValidationError as exc:
            problem = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise InputError(f"use case '{use_case.id}': {problem}") from None
        self._replace(use_case.model_copy(update={"questionnaire": questionnaire}))

    def set_answer(self, use_case_id: str, question: str, answer: str | None) -> None:
        """Record an answer (None = unanswered) in memory; `save()` stamps and writes it."""
        if question not in QUESTION_IDS:
            raise InputError(
                f"unknown question '{question}'; see templates/euaiact/questions.yaml."
            )
        if answer is not None and answer not in ANSWERS:
            raise InputError(f"answer '{answer}' for '{question}': use yes, no or unknown.")
        use_case = self.portfolio.get(use_case_id)
        current = use_case.questionnaire or Questionnaire()
        answers = dict(current.answers)
        if answer is None:
            answers.pop(question, None)
        else:
            answers[question] = AnswerRecord(answer=answer)
        self._with_questionnaire(use_case, answers=answers)
        self._stamped.setdefault(use_case_id, set()).add(question)

    def set_role(self, use_case_id: str, role: str | None) -> None:
        if role is not None and role not in ROLES:
            raise InputError(f"role '{role}': use one of {', '.join(ROLES)}.")
        self._with_questionnaire(self.portfolio.get(use_case_id), role=role)

    def set_score(self, use_case_id: str, criterion: str, level: int | None) -> None:
        """Record a score (None = unscored) in memory; `save()` writes it."""
        if criterion not in self.rubric.criteria:
            raise InputError(
                f"unknown criterion '{criterion}'; the rubric has {list(self.rubric.criteria)}."
            )
        if level is not None and level not in range(1, 6):
            raise InputError(f"score {level} for '{criterion}' is outside 1-5.")
        use_case = self.portfolio.get(use_case_id)
        self._replace(use_case.model_copy(update={"scores": {**use_case.scores, criterion: level}}))

    def set_rationale(self, use_case_id: str, criterion: str, text: str) -> None:
        use_case = self.portfolio.get(use_case_id)
        rationale = {**use_case.rationale, criterion: text.strip()}
        rationale = {k: v for k, v in rationale.items() if v}
        self._replace(use_case.model_copy(update={"rationale": rationale}))

    def save(self) -> Path:
        """Write the portfolio back to its file (atomic); needs the assessor's name."""
        assessor = str(self.assessor.value).strip()
        if not assessor:
            raise InputError("Enter the assessor's name before saving.")
        edited = self.current().model_copy(update={"assessed_by": assessor})
        self._replace(UseCase.model_validate(edited.model_dump()))
        for use_case_id, questions in self._stamped.items():
            self._stamp(use_case_id, questions, assessor)
        self._stamped = {}
        return save_portfolio(self.portfolio, self.path)

    def _stamp(self, use_case_id: str, questions: set[str], assessor: str) -> None:
        """Who answered and when: the assessor, today, on each answer changed in the form."""
        use_case = self.portfolio.get(use_case_id)
        if use_case.questionnaire is None:
            return
        today = date.today()
        answers = {
            q: r.model_copy(update={"by": assessor, "on": today}) if q in questions else r
            for q, r in use_case.questionnaire.answers.items()
        }
        self._with_questionnaire(use_case, answers=answers)

    def _save_clicked(self) -> None:
        try:
            saved = self.save()
        except InputError as exc:
            self.status.value = f"<span style='color:#c62828'>{_escape(str(exc))}</span>"
            return
        self.status.value = f"saved {_escape(self.use_case.value)} to {_escape(saved.name)}"


def _group(question: str) -> str:
    if question.startswith("art5."):
        return "Art. 5(1): prohibited practices"
    if question.startswith("annex3."):
        return "Annex III: high-risk areas"
    if question.startswith("art6_3."):
        return "Art. 6(3): derogation and profiling"
    return "Annex I, Art. 50 transparency, general-purpose AI"


def _escape(text: object) -> str:
    import html

    return html.escape(str(text))


def scoring_form(path: str | os.PathLike[str], rubric: Rubric | None = None) -> ScoringForm:
    """Build the scoring form for a portfolio file; display `form.widget` in a notebook."""
    return ScoringForm(path, rubric)
