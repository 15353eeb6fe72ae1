"""The prompt template language: an allow-list over Jinja2, checked when the file is read.

A prompt template needs little: text, ``{{ name }}`` and attribute access on the values it is
given (``{{ case.question }}``), ``{% if %}`` (with ``not``, ``and``, ``or``, comparisons and
``is defined``/``is none``), ``{% for x in items %}`` over a list it is given (``loop.index``
and friends inside), ``{{ a if b else c }}``, and a short list of filters with literal
arguments (``FILTERS``). Every other construct (arithmetic, ``~``, calls and methods,
``{% set %}``, macros, includes, literals longer than ``MAX_LITERAL``, attributes starting with
``_``, any other filter or test) is refused when the template is parsed, naming its line and
the construct: a template is either of this language or not read at all.

The four earlier rounds of hardening were a blacklist (intercepted operators, wrapped filters,
predicted sizes) and a fifth review still found 12 templates of 9 techniques that went past
1 GB or 5 s (``'{0:10000}'*99000`` formatted, ``expandtabs``, ``str.translate``, printf ``%``,
the ``format`` and ``wordwrap`` filters, 400 ``cycler`` objects, quadratic ``urlize``). Each
allowed construct is linear in the size of the values given; what is left to bound at render
(loops nested over given lists) is bounded by ``MAX_STEPS`` loop steps, ``MAX_SECONDS`` and
``MAX_TEXT`` characters of output. Rendering still uses Jinja2's ``ImmutableSandboxedEnvironment``
(no internals, no mutation), strict about undefined names, with no loader (no file is read).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator, Mapping
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import pass_context

from usecase_kit._config import excerpt

__all__ = [
    "FILTERS",
    "MAX_LITERAL",
    "MAX_SECONDS",
    "MAX_STEPS",
    "MAX_TEXT",
    "PromptSandbox",
    "TemplateLimitError",
    "check_allowed",
    "prompt_sandbox",
    "size",
]

#: Characters the rendered text may hold: about 250k tokens.
MAX_TEXT = 1_000_000
#: Loop steps one render may take (loops nested over given lists).
MAX_STEPS = 1_000_000
#: Seconds one render may take, checked at every loop step.
MAX_SECONDS = 10.0
#: Characters a literal (a filter's argument, a compared string) may have.
MAX_LITERAL = 100
#: The filters a template may use, each linear in its input; arguments must be literals.
FILTERS = frozenset(
    {
        "capitalize",
        "default",
        "d",
        "first",
        "join",
        "last",
        "length",
        "lower",
        "title",
        "trim",
        "truncate",
        "upper",
    }
)
#: The tests ``is ...`` a template may use.
TESTS = frozenset({"defined", "undefined", "none", "string", "number"})
_COMPARISONS = frozenset({"eq", "ne", "lt", "gt", "lteq", "gteq", "in", "notin"})
#: [steps left, monotonic deadline] of the render in progress
_budget: contextvars.ContextVar[list[float]] = contextvars.ContextVar("template_steps")


class TemplateLimitError(SecurityError):
    """A template used a construct outside the prompt language, or passed a render limit.
    ``lineno`` and ``detail``: where (in the template's text) and what, when it was read."""

    def __init__(self, message: str, *, lineno: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.lineno = lineno
        self.detail = detail or message


# ---------------------------------------------------------------- the allow-list


def check_allowed(tree: nodes.Template) -> None:
    """Refuse anything outside the prompt language, naming the first construct and its line."""
    for statement in tree.body:
        _statement(statement)


def _refuse(node: nodes.Node, what: str) -> TemplateLimitError:
    detail = (
        f"{what} is not part of the prompt template language (text, {{{{ name }}}}, "
        f"attributes, if, for over a given list, and the filters {', '.join(sorted(FILTERS))})"
    )
    return TemplateLimitError(f"line {node.lineno}: {detail}", lineno=node.lineno, detail=detail)


def _statement(node: nodes.Node) -> None:
    if isinstance(node, nodes.Output):
        for part in node.nodes:
            if not isinstance(part, nodes.TemplateData):
                _expression(part)
    elif isinstance(node, nodes.If):
        _expression(node.test)
        for child in (*node.body, *node.elif_, *node.else_):
            _statement(child)
    elif isinstance(node, nodes.For):
        _for(node)
    else:
        raise _refuse(node, _label(node))


def _for(node: nodes.For) -> None:
    targets = node.target.items if isinstance(node.target, nodes.Tuple) else [node.target]
    if not all(isinstance(t, nodes.Name) for t in targets):
        raise _refuse(node, "a loop target other than names")
    if node.recursive or node.test is not None:
        raise _refuse(node, "a recursive or filtered loop")
    if not isinstance(node.iter, nodes.Name | nodes.Getattr):
        raise _refuse(node, f"a loop over {_label(node.iter)} (loop over a given list)")
    _expression(node.iter)
    for child in (*node.body, *node.else_):
        _statement(child)


def _expression(node: nodes.Node) -> None:
    if isinstance(node, nodes.Name):
        if node.name.startswith("_"):
            raise _refuse(node, f"the name {node.name!r}")
    elif isinstance(node, nodes.Getattr):
        if node.attr.startswith("_"):
            raise _refuse(node, f"the attribute {node.attr!r}")
        _expression(node.node)
    elif isinstance(node, nodes.Const):
        _literal(node)
    elif isinstance(node, nodes.Not):
        _expression(node.node)
    elif isinstance(node, nodes.And | nodes.Or):
        _expression(node.left)
        _expression(node.right)
    elif isinstance(node, nodes.Compare):
        _compare(node)
    elif isinstance(node, nodes.CondExpr):
        for part in (node.test, node.expr1, node.expr2):
            if part is not None:
                _expression(part)
    elif isinstance(node, nodes.Filter):
        _filter(node)
    elif isinstance(node, nodes.Test):
        if node.name not in TESTS or node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise _refuse(node, f"the test 'is {node.name}'")
        _expression(node.node)
    else:
        raise _refuse(node, _label(node))


def _compare(node: nodes.Compare) -> None:
    _expression(node.expr)
    for operand in node.ops:
        if operand.op not in _COMPARISONS:
            raise _refuse(node, f"the comparison {operand.op!r}")
        _expression(operand.expr)


def _filter(node: nodes.Filter) -> None:
    if node.name not in FILTERS:
        raise _refuse(node, f"the filter '{node.name}'")
    if node.kwargs or node.dyn_args or node.dyn_kwargs:
        raise _refuse(node, f"keyword or unpacked arguments to the filter '{node.name}'")
    for argument in node.args:
        if not isinstance(argument, nodes.Const):
            raise _refuse(node, f"a computed argument to the filter '{node.name}'")
        _literal(argument)
    if node.node is not None:
        _expression(node.node)


def _literal(node: nodes.Const) -> None:
    value = node.value
    if isinstance(value, str) and len(value) > MAX_LITERAL:
        raise _refuse(node, f"a literal of {len(value):,} characters (at most {MAX_LITERAL:,})")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEXT:
        raise _refuse(node, f"the number {excerpt(value, 20)} (at most {MAX_TEXT:,})")
    if not isinstance(value, str | int | float | bool | type(None)):
        raise _refuse(node, f"a literal of type {type(value).__name__}")


_LABELS = {
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "a block {% set %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.With: "{% with %}",
    nodes.Scope: "a scope",
    nodes.Call: "a call",
    nodes.Getitem: "indexing with [...]",
    nodes.Slice: "slicing",
    nodes.Concat: "joining with '~'",
    nodes.BinExpr: "arithmetic",
    nodes.UnaryExpr: "a sign",
    nodes.List: "a list literal",
    nodes.Tuple: "a tuple literal",
    nodes.Dict: "a dict literal",
}


def _label(node: nodes.Node) -> str:
    for kind, label in _LABELS.items():
        if isinstance(node, kind):
            if isinstance(node, nodes.BinExpr):
                return f"arithmetic ('{node.operator}')"
            return label
    return f"the construct {type(node).__name__}"


# ---------------------------------------------------------------- render limits


def size(value: Any, limit: int = MAX_TEXT) -> int:
    """Characters plus items of ``value``, counted recursively, stopping once past ``limit``
    (so a structure that shares itself is never walked in full)."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes | bytearray):
            total += len(item)
        elif isinstance(item, Mapping):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item)
            stack.extend(item)
        else:
            total += 1
        if total > limit:
            return total
    return total


def _step(where: str) -> None:
    budget = _budget.get(None)
    if budget is None:
        return
    budget[0] -= 1
    if budget[0] < 0:
        raise TemplateLimitError(f"{where}: more than {MAX_STEPS} loop steps in one render")
    if time.monotonic() > budget[1]:
        raise TemplateLimitError(f"{where}: the render took more than {MAX_SECONDS:g} s")


@pass_context
def _loop(context: Any, items: Any) -> Iterator[Any]:
    """Every ``for`` loop's iterable (the template is rewritten to pass it here): a list or
    tuple it was given, one budgeted step per item."""
    if isinstance(items, jinja2.Undefined):
        yield from items  # StrictUndefined raises with the variable's name
        return
    if not isinstance(items, list | tuple):
        raise TemplateLimitError(
            f"a for loop over a {type(items).__name__}: loops go over a list the template is given"
        )
    for item in items:
        _step("a for loop")
        yield item


def _capped(chunks: Iterator[str]) -> Iterator[str]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_TEXT:
            raise TemplateLimitError(f"the rendered text passed {MAX_TEXT} characters")
        yield chunk


class PromptSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with only the prompt language's filters and tests, no
    globals and no loader; ``parse_checked`` applies the allow-list."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.globals.clear()
        self.filters = {name: f for name, f in self.filters.items() if name in FILTERS}
        self.filters["_loop"] = _loop
        self.tests = {name: t for name, t in self.tests.items() if name in TESTS}

    def parse_checked(self, source: str, first_line: int = 1) -> nodes.Template:
        """The template's syntax tree, checked against the allow-list (``TemplateLimitError``
        names the first construct outside it and its line, counted from ``first_line``), its
        loops routed through the step budget."""
        tree = self.parse(source)
        try:
            check_allowed(tree)
        except TemplateLimitError as exc:
            if exc.lineno is None or first_line == 1:
                raise
            line = exc.lineno + first_line - 1
            raise TemplateLimitError(f"line {line}: {exc.detail}", lineno=line,
                                     detail=exc.detail) from None  # fmt: skip
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "_loop", [], [], None, None, lineno=loop.lineno)
        return tree

    def render(self, source: str, values: Mapping[str, Any]) -> str:
        """``source`` rendered with ``values``, within the limits."""
        template = self.from_string(self.parse_checked(source))
        token = _budget.set([MAX_STEPS, time.monotonic() + MAX_SECONDS])
        try:
            return "".join(_capped(template.generate(values)))
        finally:
            _budget.reset(token)


def prompt_sandbox() -> PromptSandbox:
    """The environment user templates render in (strict about undefined variables)."""
    return PromptSandbox(undefined=jinja2.StrictUndefined, autoescape=False)
