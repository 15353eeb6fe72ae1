"""The scoring form (ipywidgets): per use case and criterion a 1-5 choice showing its anchor, a
rationale box and the assessor's name; below, the EU AI Act questionnaire (the role, and per
question yes / no / unknown with its article, legal text and examples; each answer changed in
the form is stamped with the assessor and the day when saved).

The form writes to the consultant's working copy (`usecase_kit.working_copy`), never to a
template: opening the shipped example starts a copy in ``outputs/working/``, named at the top of
the form. Edits are kept per use case until that use case is saved; saving one use case never
writes another's unsaved edits. Each save keeps a backup (Undo puts it back) and logs who changed
what. ipywidgets is imported when a form is built.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from usecase_kit.errors import InputError, OutputError
from usecase_kit.portfolio import Portfolio, UseCase
from usecase_kit.regulatory import ANSWERS, QUESTION_IDS, ROLES, AnswerRecord, Questionnaire
from usecase_kit.scoring.rubric import Rubric, load_rubric
from usecase_kit.working_copy import Change, Edit, WorkingCopy, open_working_copy

__all__ = ["AHPForm", "ScoringForm", "WeightsForm", "ahp_form", "scoring_form", "weights_form"]

_UNSCORED = "–"


class ScoringForm:
    """State and widgets of the form; `widget` is what a notebook displays."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        rubric: Rubric | None = None,
        *,
        work_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        import ipywidgets as w

        self.copy: WorkingCopy = open_working_copy(path, work_dir=work_dir)
        self.path: Path = self.copy.path
        self.saved: Portfolio = self.copy.load()
        self.pending: dict[str, Edit] = {}
        self.rubric = rubric or load_rubric()
        ids = [u.id for u in self.saved]
        self.where = w.HTML(self._where())
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
        questionnaire = self._questionnaire(w)
        self.save_button = w.Button(description="Save this use case", button_style="primary")
        self.undo_button = w.Button(description="Undo last save", icon="undo")
        self.status = w.HTML()
        self.unsaved = w.HTML()
        self.save_button.on_click(lambda _: self._save_clicked())
        self.undo_button.on_click(lambda _: self._undo_clicked())
        self.use_case.observe(lambda change: self._show(change["new"]), names="value")
        self.widget = w.VBox(
            [
                self.where,
                w.HBox([self.use_case, self.assessor]),
                *rows,
                questionnaire,
                w.HBox([self.save_button, self.undo_button, self.status]),
                self.unsaved,
            ]
        )
        self._show(ids[0])

    def _where(self) -> str:
        origin = (
            f" (a copy of the template {_escape(self.copy.origin.name)}, which stays as shipped)"
            if self.copy.origin is not None
            else ""
        )
        return f"Working copy: <code>{_escape(self.path)}</code>{origin}"

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

    @property
    def portfolio(self) -> Portfolio:
        """The portfolio as saved, with every use case's unsaved edits applied (for display)."""
        cases = tuple(self._edited(u) for u in self.saved)
        return Portfolio(cases, self.saved.source, self.saved.allowed_dirs)

    def _edited(self, use_case: UseCase) -> UseCase:
        edit = self.pending.get(use_case.id)
        if not edit:
            return use_case
        rationale = {**use_case.rationale, **{k: v.strip() for k, v in edit.rationale.items()}}
        update: dict[str, Any] = {
            "scores": {**use_case.scores, **edit.scores},
            "rationale": {k: v for k, v in rationale.items() if v},
        }
        if edit.answers or edit.role_changed:
            update["questionnaire"] = _questionnaire_with(use_case, edit)
        return use_case.model_copy(update=update)

    def current(self) -> UseCase:
        return self.portfolio.get(str(self.use_case.value))

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

    def set_answer(self, use_case_id: str, question: str, answer: str | None) -> None:
        """Record an answer (None = unanswered) for one use case; `save()` stamps and writes
        it. The questionnaire it makes is checked at once (an exception needs its practice)."""
        if question not in QUESTION_IDS:
            raise InputError(
                f"unknown question '{question}'; see templates/euaiact/questions.yaml."
            )
        if answer is not None and answer not in ANSWERS:
            raise InputError(f"answer '{answer}' for '{question}': use yes, no or unknown.")
        edit = self.pending.setdefault(use_case_id, Edit())
        trial = Edit(answers={**edit.answers, question: answer}, role=edit.role)
        trial.role_changed = edit.role_changed
        _questionnaire_with(self.saved.get(use_case_id), trial)  # raises InputError if not valid
        saved_q = self.saved.get(use_case_id).questionnaire
        if (saved_q.said(question) if saved_q is not None else None) == answer:
            edit.answers.pop(question, None)
        else:
            edit.answers[question] = answer
        self._refresh_unsaved()

    def set_role(self, use_case_id: str, role: str | None) -> None:
        if role is not None and role not in ROLES:
            raise InputError(f"role '{role}': use one of {', '.join(ROLES)}.")
        edit = self.pending.setdefault(use_case_id, Edit())
        saved_q = self.saved.get(use_case_id).questionnaire
        edit.role, edit.role_changed = role, (saved_q.role if saved_q else None) != role
        self._refresh_unsaved()

    def set_score(self, use_case_id: str, criterion: str, level: int | None) -> None:
        """Record a score (None = unscored) for one use case; `save()` writes it."""
        if criterion not in self.rubric.criteria:
            raise InputError(
                f"unknown criterion '{criterion}'; the rubric has {list(self.rubric.criteria)}."
            )
        if level is not None and level not in range(1, 6):
            raise InputError(f"score {level} for '{criterion}' is outside 1-5.")
        saved = self.saved.get(use_case_id).scores.get(criterion)
        edit = self.pending.setdefault(use_case_id, Edit())
        if level == saved:
            edit.scores.pop(criterion, None)
        else:
            edit.scores[criterion] = level
        self._refresh_unsaved()

    def set_rationale(self, use_case_id: str, criterion: str, text: str) -> None:
        saved = self.saved.get(use_case_id).rationale.get(criterion, "")
        edit = self.pending.setdefault(use_case_id, Edit())
        if text.strip() == saved:
            edit.rationale.pop(criterion, None)
        else:
            edit.rationale[criterion] = text
        self._refresh_unsaved()

    def unsaved_summary(self) -> dict[str, int]:
        """Use case → number of unsaved changes (scores and rationales)."""
        return {uid: edit.count() for uid, edit in self.pending.items() if edit.count()}

    def _refresh_unsaved(self) -> None:
        summary = self.unsaved_summary()
        if not summary:
            self.unsaved.value = ""
            return
        items = ", ".join(f"{_escape(uid)} ({n})" for uid, n in summary.items())
        self.unsaved.value = f"<span style='color:#8a5a00'>Unsaved changes: {items}</span>"

    # -------------------------------------------------------------- saving

    def save(self, use_case_id: str | None = None) -> list[Change]:
        """Write one use case's edits (default: the one shown) to the working copy; other use
        cases' unsaved edits stay pending. Needs the assessor's name."""
        assessor = str(self.assessor.value).strip()
        if not assessor:
            raise InputError("Enter the assessor's name before saving.")
        uid = use_case_id or str(self.use_case.value)
        edit = self.pending.get(uid) or Edit()
        edit.assessed_by = assessor
        changes = self.copy.save({uid: edit}, who=assessor)
        self.pending.pop(uid, None)
        self.saved = self.copy.load()
        self._refresh_unsaved()
        return changes

    def undo(self) -> Path:
        """Restore the working copy as it was before the last save; the form reloads it."""
        used = self.copy.undo(who=str(self.assessor.value).strip())
        self.reload()
        return used

    def reload(self) -> None:
        """Read the working copy again (after someone else changed it); unsaved edits are kept
        and shown again on top of what is now on disk."""
        self.saved = self.copy.load()
        self._show(str(self.use_case.value))
        self._refresh_unsaved()

    def _save_clicked(self) -> None:
        try:
            changes = self.save()
        except (InputError, OutputError) as exc:
            self.status.value = f"<span style='color:#c62828'>{_escape(str(exc))}</span>"
            return
        what = f"{len(changes)} change(s)" if changes else "no change"
        self.status.value = (
            f"saved {_escape(self.use_case.value)} to {_escape(self.path.name)}: {what}; "
            f"backup kept ({len(self.copy.backups())} in all)"
        )

    def _undo_clicked(self) -> None:
        try:
            used = self.undo()
        except (InputError, OutputError) as exc:
            self.status.value = f"<span style='color:#c62828'>{_escape(str(exc))}</span>"
            return
        self.status.value = f"restored {_escape(self.path.name)} from {_escape(used.name)}"


def _questionnaire_with(use_case: UseCase, edit: Edit) -> Questionnaire | None:
    """The use case's questionnaire with the edit's answers and role applied, validated."""
    from pydantic import ValidationError

    current = use_case.questionnaire or Questionnaire()
    answers = dict(current.answers)
    for question, answer in edit.answers.items():
        if answer is None:
            answers.pop(question, None)
        else:
            answers[question] = AnswerRecord(answer=answer)
    data: dict[str, Any] = {**dict(current), "answers": answers}
    if edit.role_changed:
        data["role"] = edit.role
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as exc:
        problem = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise InputError(f"use case '{use_case.id}': {problem}") from None


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


def scoring_form(
    path: str | os.PathLike[str],
    rubric: Rubric | None = None,
    *,
    work_dir: str | os.PathLike[str] | None = None,
) -> ScoringForm:
    """Build the scoring form for a portfolio file; display `form.widget` in a notebook.
    A template is never written: its working copy goes to ``work_dir`` (default
    ``outputs/working/``)."""
    return ScoringForm(path, rubric, work_dir=work_dir)


class WeightsForm:
    """A slider per criterion, the shares they make, a Reset to the rubric's weights, and the
    ranking redrawn on every change (tiers and gates come first, as in `scorecard`)."""

    def __init__(
        self,
        portfolio_path: str | os.PathLike[str],
        rubric: Rubric | None = None,
        *,
        method: str = "wsm",
        tolerance: Any = None,
    ) -> None:
        import ipywidgets as w

        self.portfolio_path = Path(portfolio_path)
        self.base = rubric or load_rubric()
        self.method = method
        self.tolerance = tolerance
        self.sliders: dict[str, Any] = {}
        for name, share in self.base.weights().items():
            slider = w.FloatSlider(
                value=round(share * 100, 1),
                min=0,
                max=100,
                step=0.5,
                description=self.base.criteria[name].label,
                continuous_update=False,
                style={"description_width": "14em"},
                layout={"width": "38em"},
                readout_format=".1f",
            )
            slider.observe(lambda _change: self._rerank(), names="value")
            self.sliders[name] = slider
        self.reset_button = w.Button(
            description="Reset to the rubric's weights", icon="refresh", layout={"width": "auto"}
        )
        self.reset_button.on_click(lambda _: self.reset())
        self.status = w.HTML()
        self.ranking = w.HTML()
        self.widget = w.VBox(
            [*self.sliders.values(), w.HBox([self.reset_button, self.status]), self.ranking]
        )
        self.card: Any = None
        self._rerank()

    def weights(self) -> dict[str, float]:
        """The sliders' weights as shares summing to 1; an all-zero set is an error."""
        raw = {name: float(s.value) for name, s in self.sliders.items()}
        total = sum(raw.values())
        if total <= 0:
            raise InputError(
                "The weights sum to zero: give at least one criterion a weight above 0 "
                "(or press Reset to go back to the rubric's weights)."
            )
        return {name: value / total for name, value in raw.items()}

    def rubric(self) -> Rubric:
        """The rubric with the sliders' weights (a criterion at 0 counts for nothing)."""
        shares = self.weights()
        floor = 1e-9  # Rubric weights must be positive; 0 on a slider means "does not count"
        return self.base.with_weights({k: max(v, floor) for k, v in shares.items()})

    def set_weight(self, criterion: str, percent: float) -> None:
        if criterion not in self.sliders:
            raise InputError(
                f"unknown criterion '{criterion}'; the rubric has {list(self.sliders)}."
            )
        self.sliders[criterion].value = percent

    def set_shares(self, shares: dict[str, float]) -> None:
        """Set every slider at once (shares of 1, e.g. AHP weights) and re-rank once."""
        unknown = sorted(set(shares) - set(self.sliders))
        if unknown:
            raise InputError(f"unknown criteria {unknown}; the rubric has {list(self.sliders)}.")
        self._quiet = True
        for name, share in shares.items():
            self.sliders[name].value = round(share * 100, 1)
        self._quiet = False
        self._rerank()

    def reset(self) -> None:
        self._quiet = True
        for name, share in self.base.weights().items():
            self.sliders[name].value = round(share * 100, 1)
        self._quiet = False
        self._rerank()

    def _rerank(self) -> None:
        if getattr(self, "_quiet", False):
            return
        from usecase_kit.portfolio import load_portfolio
        from usecase_kit.scoring import scorecard

        try:
            rubric = self.rubric()
        except InputError as exc:
            self.status.value = f"<span style='color:#c62828'>{_escape(str(exc))}</span>"
            return
        self.card = scorecard(
            load_portfolio(self.portfolio_path),
            rubric,
            method=self.method,  # type: ignore[arg-type]
            tolerance=self.tolerance,
        )
        shares = ", ".join(
            f"{self.base.criteria[k].label} {v:.0%}" for k, v in self.weights().items()
        )
        self.status.value = f"shares: {_escape(shares)}"
        self.ranking.value = _ranking_html(self.card)


def _ranking_html(card: Any) -> str:
    rows = []
    for _, row in card.iterrows():
        rank = "–" if row["rank"] is None or str(row["rank"]) in {"<NA>", "nan"} else row["rank"]
        score = "–" if row["weighted_score"] != row["weighted_score"] else row["weighted_score"]
        rows.append(
            f"<tr><td>{_escape(rank)}</td><td>{_escape(row['name'])}</td>"
            f"<td>{_escape(str(row['tier']).replace('_', ' '))}</td><td>{_escape(score)}</td></tr>"
        )
    head = "<tr><th>Rank</th><th>Use case</th><th>Risk tier</th><th>Score (0-100)</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def weights_form(
    portfolio_path: str | os.PathLike[str],
    rubric: Rubric | None = None,
    *,
    method: str = "wsm",
    tolerance: Any = None,
) -> WeightsForm:
    """Sliders for the criteria weights with live re-ranking; `form.rubric()` carries them on."""
    return WeightsForm(portfolio_path, rubric, method=method, tolerance=tolerance)


#: Saaty's scale as a slider: how much more important the left criterion is than the right.
_SAATY = [9, 7, 5, 3, 1, 1 / 3, 1 / 5, 1 / 7, 1 / 9]


def _saaty_label(left: str, right: str, value: float) -> str:
    if value == 1:
        return "equal"
    if value > 1:
        return f"{left} {value:g}×"
    return f"{right} {1 / value:g}×"


class AHPForm:
    """Pairwise judgements on Saaty's 1-9 scale, one slider per pair, with the weights and the
    consistency ratio (and the pair to revisit) recomputed at every change; `apply()` hands the
    weights to a `WeightsForm`."""

    def __init__(self, rubric: Rubric | None = None, weights: WeightsForm | None = None) -> None:
        import itertools

        import ipywidgets as w

        self.rubric = rubric or load_rubric()
        self.weights_form = weights
        self.sliders: dict[tuple[str, str], Any] = {}
        labels = {name: c.label for name, c in self.rubric.criteria.items()}
        for a, b in itertools.combinations(self.rubric.criteria, 2):
            options = [(_saaty_label(labels[a], labels[b], v), v) for v in _SAATY]
            slider = w.SelectionSlider(
                options=options, value=1, description="", continuous_update=False,
                layout={"width": "40em"},
            )  # fmt: skip
            slider.observe(lambda _change: self._recompute(), names="value")
            self.sliders[(a, b)] = slider
        rows = []
        for (a, b), slider in self.sliders.items():
            pair = w.HTML(f"{_escape(labels[a])} <i>vs</i> {_escape(labels[b])}")
            pair.layout.width = "26em"
            rows.append(w.HBox([pair, slider]))
        self.result_view = w.HTML()
        self.apply_button = w.Button(
            description="Use these weights", button_style="primary", layout={"width": "auto"}
        )
        self.apply_button.on_click(lambda _: self.apply())
        self.widget = w.VBox([*rows, self.result_view, self.apply_button])
        self.result: Any = None
        self._recompute()

    def judgements(self) -> dict[tuple[str, str], float]:
        return {pair: float(s.value) for pair, s in self.sliders.items()}

    def set_judgement(self, a: str, b: str, value: float) -> None:
        """How much more important ``a`` is than ``b`` (1-9, or its reciprocal)."""
        key, flipped = ((a, b), False) if (a, b) in self.sliders else ((b, a), True)
        if key not in self.sliders:
            raise InputError(f"no pair ({a}, {b}); the rubric has {list(self.rubric.criteria)}.")
        target = 1 / value if flipped else value
        closest = min(_SAATY, key=lambda v: abs(v - target))
        self.sliders[key].value = closest

    def _recompute(self) -> None:
        from usecase_kit.scoring import ahp_weights

        self.result = ahp_weights(self.judgements(), list(self.rubric.criteria))
        shares = ", ".join(
            f"{_escape(self.rubric.criteria[k].label)} {v:.0%}"
            for k, v in self.result.weights.items()
        )
        colour = "#2e7d32" if self.result.consistent else "#c62828"
        self.result_view.value = (
            f"<span style='color:{colour}'>{_escape(self.result.summary())}</span><br>"
            f"weights: {shares}"
        )

    def apply(self) -> dict[str, float]:
        """Set the weights form's sliders to the AHP weights (it re-ranks)."""
        weights = dict(self.result.weights)
        if self.weights_form is not None:
            self.weights_form.set_shares(weights)
        return weights


def ahp_form(rubric: Rubric | None = None, weights: WeightsForm | None = None) -> AHPForm:
    """Pairwise comparisons with the consistency ratio; `Use these weights` fills ``weights``."""
    return AHPForm(rubric, weights)
