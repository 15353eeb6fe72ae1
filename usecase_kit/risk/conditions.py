"""The small condition language of the risk rules, evaluated with evidence.

A condition is a mapping of predicates that must all hold: `field` with `equals`/`in`/
`not_empty`/`is_true`; `text_matches` (a regex, searched in `text_fields`, by default the name,
the description and every `context` field); `all`/`any`/`not`; `at_least: N` with `of: [...]`
(N of the listed conditions, so a sector and a data field can be weighed together); `ref: NAME`
(a condition named under `conditions:` in the rules file). Evaluation returns the spans that made
it hold, each with the field it came from, so a reason can quote the phrase.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from usecase_kit.portfolio import UseCase

__all__ = ["PREDICATES", "Outcome", "Span", "check_condition", "evaluate", "matches", "texts_of"]

PREDICATES = frozenset(
    {"field", "equals", "in", "not_empty", "is_true", "text_matches", "text_fields"}
    | {"all", "any", "not", "at_least", "of", "ref"}
)
#: At most this many matches are quoted per field and pattern.
MAX_SPANS_PER_FIELD = 2


@dataclass(frozen=True)
class Span:
    """A piece of the use case that made a condition hold: a matched phrase or a field value."""

    field: str
    text: str
    start: int | None = None
    end: int | None = None

    def quote(self) -> str:
        """'"screens CVs" in description' or 'sector = healthcare' (the portfolio's keys)."""
        if self.start is None:
            return f"{self.field} = {self.text}"
        return f'"{self.text}" in {self.field}'

    def plain(self) -> str:
        """For a reader: '"screens CVs" in the description', 'the sector: healthcare'."""
        from usecase_kit.formatting import field_label, plain_value

        if self.start is None:
            return f"{field_label(self.field)}: {plain_value(self.text)}"
        return f'"{self.text}" in {field_label(self.field)}'


@dataclass(frozen=True)
class Outcome:
    ok: bool
    spans: tuple[Span, ...] = ()


_NO = Outcome(False)


def check_condition(condition: Any, rule_id: str, names: Mapping[str, Any] | None = None) -> None:
    """Raise ValueError when a condition uses unknown predicates, refs or bad regexes."""
    if not isinstance(condition, dict) or not condition:
        raise ValueError(f"rule {rule_id}: a condition must be a non-empty mapping")
    unknown = set(condition) - PREDICATES
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown condition keys {sorted(unknown)}")
    for key in ("all", "any", "of"):
        for sub in condition.get(key, []):
            check_condition(sub, rule_id, names)
    if "not" in condition:
        check_condition(condition["not"], rule_id, names)
    if ("at_least" in condition) != ("of" in condition):
        raise ValueError(f"rule {rule_id}: 'at_least: N' and 'of: [...]' go together")
    if "ref" in condition and names is not None and condition["ref"] not in names:
        raise ValueError(
            f"rule {rule_id}: 'ref: {condition['ref']}' names no condition under 'conditions:' "
            f"(known: {sorted(names)})"
        )
    if "text_matches" in condition:
        try:
            re.compile(condition["text_matches"])
        except (re.error, TypeError) as exc:
            raise ValueError(f"rule {rule_id}: bad text_matches pattern ({exc})") from None


def _field(use_case: UseCase, dotted: str) -> Any:
    value: Any = use_case
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def texts_of(use_case: UseCase, fields: list[str] | None = None) -> list[tuple[str, str]]:
    """(field, text) pairs a text pattern reads: name, description and every context field."""
    if fields is None:
        pairs = [("name", use_case.name), ("description", use_case.description)]
        pairs += [(f"context.{k}", _as_text(v)) for k, v in use_case.context.items()]
        return pairs
    return [(f, _as_text(_field(use_case, f))) for f in fields]


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _text(condition: dict[str, Any], use_case: UseCase) -> Outcome:
    pattern = _regex(condition["text_matches"])
    spans: list[Span] = []
    for name, text in texts_of(use_case, condition.get("text_fields")):
        for count, found in enumerate(pattern.finditer(text)):
            if count >= MAX_SPANS_PER_FIELD:
                break
            spans.append(Span(name, found.group(0).strip(), found.start(), found.end()))
    return Outcome(bool(spans), tuple(spans))


def _field_test(condition: dict[str, Any], use_case: UseCase) -> Outcome:
    value = _field(use_case, condition["field"])
    checks = []
    if "equals" in condition:
        checks.append(value == condition["equals"])
    if "in" in condition:
        checks.append(value in condition["in"])
    if "not_empty" in condition:
        checks.append(bool(value) == condition["not_empty"])
    if "is_true" in condition:
        checks.append(bool(value) == condition["is_true"])
    if not all(checks):
        return _NO
    shown = _as_text(value) if value not in (None, "", []) else "(blank)"
    return Outcome(True, (Span(condition["field"], shown),))


def _combine(outcomes: list[Outcome], needed: int) -> Outcome:
    held = [o for o in outcomes if o.ok]
    if len(held) < needed:
        return _NO
    return Outcome(True, tuple(s for o in held for s in o.spans))


def _all(
    conditions: list[dict[str, Any]],
    use_case: UseCase,
    names: Mapping[str, Any] | None,
    memo: dict[str, Outcome] | None,
) -> Outcome:
    spans: list[Span] = []
    for sub in conditions:
        outcome = evaluate(sub, use_case, names, memo)
        if not outcome.ok:
            return _NO  # stop at the first that fails: most rules fail early
        spans.extend(outcome.spans)
    return Outcome(True, tuple(spans))


def _ref(
    name: str, use_case: UseCase, names: Mapping[str, Any] | None, memo: dict[str, Outcome] | None
) -> Outcome:
    """A named condition, evaluated once per use case when a `memo` is passed."""
    if memo is not None and name in memo:
        return memo[name]
    outcome = evaluate((names or {})[name], use_case, names, memo)
    if memo is not None:
        memo[name] = outcome
    return outcome


def evaluate(
    condition: dict[str, Any],
    use_case: UseCase,
    names: Mapping[str, Any] | None = None,
    memo: dict[str, Outcome] | None = None,
) -> Outcome:
    """Whether `condition` holds for `use_case`, and the spans that show it. `memo` (one dict
    per use case) keeps the outcome of named conditions that several rules refer to."""
    parts: list[Outcome] = []
    if "ref" in condition:
        parts.append(_ref(condition["ref"], use_case, names, memo))
    if "all" in condition:
        parts.append(_all(condition["all"], use_case, names, memo))
    if "any" in condition:
        subs = [evaluate(c, use_case, names, memo) for c in condition["any"]]
        parts.append(_combine(subs, 1))
    if "at_least" in condition:
        subs = [evaluate(c, use_case, names, memo) for c in condition["of"]]
        parts.append(_combine(subs, int(condition["at_least"])))
    if "not" in condition:
        parts.append(Outcome(not evaluate(condition["not"], use_case, names, memo).ok))
    if "text_matches" in condition:
        parts.append(_text(condition, use_case))
    if "field" in condition:
        parts.append(_field_test(condition, use_case))
    return _combine(parts, len(parts))


def matches(
    condition: dict[str, Any], use_case: UseCase, names: Mapping[str, Any] | None = None
) -> bool:
    """Whether a condition holds (see the module docstring for the predicates)."""
    return evaluate(condition, use_case, names).ok
