"""A Jinja2 sandbox for templates from outside: no Python internals, and bounded size and work.

Jinja2's ``ImmutableSandboxedEnvironment`` stops attribute walks to Python internals
(``cycler.__init__.__globals__``) and mutation of the values passed in, but not a template that
asks for more memory or time than the machine has: ``{{ 'a' * 10**10 }}`` was even evaluated
while the template *compiled* (constant folding), taking 24 GB. Here every value a render makes
is bounded, wherever it is made:

* **No folding at compile time.** ``*``, ``**``, ``%`` and ``+`` are intercepted and every filter
  is a context filter, which Jinja never evaluates while compiling, dead branches included.
* **Sizes.** A value's size counts its characters and, recursively, its items (a list holding
  itself twice, doubled 40 times, counts 2^40). No value a filter, method, operator, ``~`` or
  ``{{ }}`` receives or makes may pass ``MAX_TEXT``; the filters and string methods that
  amplify (``replace``, ``indent``, ``join``, ``center``, ``ljust``, ``zfill``, ``format``,
  ``batch``, ``tojson``...) are checked *before* they run, from their arguments; widths are at
  most ``MAX_ARG``; integers from ``*`` and ``**`` at most ``MAX_INT_BITS`` bits.
* **Work.** Every ``for`` loop and ``range()`` draws from one budget of ``MAX_STEPS`` steps per
  render (nested loops over long values included), and a render stops after ``MAX_SECONDS``
  (checked at every step, filter and call: a loop of costly filters on long values).
* **Forms a prompt does not need are refused when the template is read**: ``{% macro %}``,
  ``{% call %}``, ``{% filter %}`` blocks and block ``{% set %}`` (they capture output where no
  limit sees it), ``include``, ``import`` and ``extends`` (no file is read).
* The rendered text stops at ``MAX_TEXT`` characters.

Each limit raises ``TemplateLimitError`` (a ``SecurityError``), reported to the user as a
template that tried something a prompt may not do. What stays possible: inserting variables,
filters, ``if``/``for``/``set``, ``namespace()``, string methods, arithmetic on numbers.
"""

from __future__ import annotations

import contextvars
import operator
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.loaders import BaseLoader
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace, pass_context

from usecase_kit._config import excerpt

#: Characters (and items) a value or the rendered text may hold: about 250k tokens.
MAX_TEXT = 1_000_000
#: Largest width a template may ask of a filter, string method, printf or format field.
MAX_ARG = 10_000
#: Bits an integer made by ``*`` or ``**`` may have (a 38-digit number).
MAX_INT_BITS = 128
#: Loop steps (``for`` and ``range()`` together) one render may take.
MAX_STEPS = 1_000_000
#: Seconds one render may take, checked at every loop step, filter and call.
MAX_SECONDS = 10.0

_PRINTF = re.compile(r"%%|%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z]")
_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[_,]?(?:\.(\d+))?[a-zA-Z%]?")
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_REFUSED_BLOCKS = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.AssignBlock: "a block {% set %}",
}
#: [steps left, monotonic deadline] of the render in progress
_budget: contextvars.ContextVar[list[float]] = contextvars.ContextVar("template_steps")


class TemplateLimitError(SecurityError):
    """A template asked for more text, numbers or loop steps than a prompt can need."""


def _refuse(what: str) -> TemplateLimitError:
    return TemplateLimitError(what)


# ---------------------------------------------------------------- sizes


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


def _check_size(value: Any, where: str) -> Any:
    if size(value) > MAX_TEXT:
        raise _refuse(f"{where}: more than {MAX_TEXT} characters or items")
    return value


def _check_width(value: Any, where: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARG:
        shown = value if abs(value) < 10**12 else "of many digits"
        raise _refuse(f"{where}: width {shown}, limit {MAX_ARG}")


def _check_predicted(predicted: int, where: str) -> None:
    if predicted > MAX_TEXT:
        raise _refuse(f"{where} would make about {predicted} characters, limit {MAX_TEXT}")


def _check_printf(template: str) -> None:
    for match in _PRINTF.finditer(template):
        for part in match.groups():
            if part == "*":
                raise _refuse("'*' width in a % format")
            if part is not None and int(part) > MAX_ARG:
                raise _refuse(f"% format width {int(part)}, limit {MAX_ARG}")


def _check_format_string(template: str) -> None:
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # str.format raises the same error itself
    for _, name, spec, _ in fields:
        if name is None or not spec:
            continue
        if "{" in spec:
            raise _refuse("a format field whose width comes from an argument")
        match = _SPEC.fullmatch(spec)
        if match is None:
            raise _refuse(f"an unusual format spec {excerpt(spec, 20)}")
        for part in match.groups():
            if part and int(part) > MAX_ARG:
                raise _refuse(f"format width {int(part)}, limit {MAX_ARG}")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _predict_replace(value: Any, old: Any, new: Any, where: str) -> None:
    text, old_s, new_s = _text(value), _text(old), _text(new)
    count = text.count(old_s) if old_s else len(text) + 1
    _check_predicted(len(text) + count * max(len(new_s) - len(old_s), 0), where)


def _predict_join(items: Any, separator: Any, where: str) -> None:
    if isinstance(items, str | list | tuple):
        sep = len(_text(separator))
        _check_predicted(size(items) + sep * len(items), where)


# ---------------------------------------------------------------- filters


def _filter_checks(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """What a filter would make, judged from its arguments before it runs."""
    where = f"filter '{name}'"
    for arg in (*args, *kwargs.values()):
        _check_size(arg, where)
    if name in ("center", "wordwrap", "batch", "slice", "indent", "tojson"):
        for arg in (*args, *kwargs.values()):
            _check_width(arg, where)
    if name == "replace" and len(args) >= 2:
        _predict_replace(value, args[0], args[1], where)
    elif name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        pad = len(width) if isinstance(width, str) else int(width or 0)
        lines = _text(value).count("\n") + 1
        _check_predicted(size(value) + lines * pad, where)
    elif name == "center":
        _check_predicted(size(value) + int(args[0] if args else kwargs.get("width", 80)), where)
    elif name == "join":
        _predict_join(value, args[0] if args else kwargs.get("d", ""), where)
    elif name == "format" and isinstance(value, str):
        _check_printf(value)
    elif name == "tojson":
        indent = args[0] if args else kwargs.get("indent")
        if isinstance(indent, int) and indent > 16:
            raise _refuse(f"{where}: indent {indent}, limit 16")
        if isinstance(indent, str) and len(indent) > 16:
            raise _refuse(f"{where}: indent of {len(indent)} characters, limit 16")
    elif name in ("batch", "slice"):
        count = args[0] if args else kwargs.get("linecount", kwargs.get("slices", 1))
        _check_predicted(size(value) + int(count), where)


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as a context filter (never run while compiling) whose value, arguments and
    result are bounded."""
    passes = getattr(function, "jinja_pass_arg", None)

    @pass_context
    def bounded(context: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        _step(f"filter '{name}'", 0)
        _check_size(value, f"filter '{name}'")
        _filter_checks(name, value, args, kwargs)
        if passes is None:
            result = function(value, *args, **kwargs)
        else:
            first = {
                "context": context,
                "eval_context": context.eval_ctx,
                "environment": context.environment,
            }[passes.name]
            result = function(first, value, *args, **kwargs)
        if isinstance(result, Iterator):  # select, map, batch...: consumed lazily, bounded
            return _bounded_iter(result, f"filter '{name}'")
        return _check_size(result, f"filter '{name}'")

    return bounded


def _bounded_iter(items: Iterable[Any], where: str) -> Iterator[Any]:
    for item in items:
        _step(where)
        yield _check_size(item, where)


def _step(where: str, steps: int = 1) -> None:
    budget = _budget.get(None)
    if budget is None:
        return
    budget[0] -= steps
    if budget[0] < 0:
        raise _refuse(f"{where}: more than {MAX_STEPS} loop steps in one render")
    if time.monotonic() > budget[1]:
        raise _refuse(f"{where}: the render took more than {MAX_SECONDS:g} s")


@pass_context
def _loop(context: Any, items: Any) -> Iterator[Any]:
    """Every ``for`` loop's iterable (the template is rewritten to pass it here)."""
    if isinstance(items, jinja2.Undefined):
        yield from items  # StrictUndefined raises with the variable's name
        return
    for item in items:
        _step("a for loop")
        yield item


@pass_context
def _concat(context: Any, parts: list[Any]) -> str:
    """``a ~ b ~ c`` (the template is rewritten to pass the parts here)."""
    texts = [_text(p) for p in parts]
    _check_predicted(sum(len(t) for t in texts), "joining with '~'")
    return "".join(texts)


# ---------------------------------------------------------------- operators and globals


def _multiply(left: Any, right: Any) -> Any:
    for seq, times in ((left, right), (right, left)):
        repeats = isinstance(seq, str | bytes | list | tuple) and isinstance(times, int)
        if repeats and size(seq) * max(times, 0) > MAX_TEXT:
            raise _refuse(f"repeating {len(seq)} item(s) {times} times, limit {MAX_TEXT} in all")
    integers = isinstance(left, int) and isinstance(right, int)
    if integers and abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS + 1:
        raise _refuse(f"a product of more than {MAX_INT_BITS} bits")
    return operator.mul(left, right)


def _power(left: Any, right: Any) -> Any:
    integers = isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1
    if integers and right * abs(left).bit_length() > MAX_INT_BITS + right:
        raise _refuse(f"a power of more than {MAX_INT_BITS} bits")
    try:
        return operator.pow(left, right)
    except OverflowError:
        raise _refuse("a power too large for a number") from None


def _add(left: Any, right: Any) -> Any:
    sequences = isinstance(left, str | bytes | list | tuple) and isinstance(
        right, str | bytes | list | tuple
    )
    if sequences:
        _check_predicted(size(left) + size(right), "joining with '+'")
    return operator.add(left, right)


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _check_printf(left)
        _check_size(right, "a % format's values")
    return operator.mod(left, right)


def _safe_range(*args: int) -> range:
    steps = range(*args)
    _step("range()", len(steps))
    if len(steps) > MAX_STEPS:
        raise _refuse(f"range() of more than {MAX_STEPS} items")
    return steps


class _Namespace(Namespace):
    """``namespace()`` whose attributes may not hold more than ``MAX_TEXT``."""

    def __setitem__(self, name: str, value: Any) -> None:
        _check_size(value, "a namespace value")
        super().__setitem__(name, value)


class _NoFiles(BaseLoader):
    """``{% include %}``, ``{% import %}`` and ``{% extends %}`` read no file."""

    def get_source(self, environment: Any, template: str) -> Any:
        raise TemplateLimitError(
            f"{excerpt(template, 60)} names another file: a prompt template may not include, "
            "import or extend files; put the text in the template itself"
        )


# ---------------------------------------------------------------- the environment


def _rewrite(tree: nodes.Template) -> nodes.Template:
    """Refuse the blocks a prompt does not need; route loops and ``~`` through the limits."""
    for kind, label in _REFUSED_BLOCKS.items():
        found = next(iter(tree.find_all(kind)), None)
        if found is not None:
            raise _refuse(f"{label} (line {found.lineno}): prompt templates do not offer it")
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Filter(loop.iter, "_loop", [], [], None, None, lineno=loop.lineno)
    for concat in list(tree.find_all(nodes.Concat)):
        parts = nodes.List(list(concat.nodes), lineno=concat.lineno)
        wrapped = nodes.Filter(parts, "_concat", [], [], None, None, lineno=concat.lineno)
        _replace_node(tree, concat, wrapped)
    return tree


def _replace_node(tree: nodes.Node, old: nodes.Node, new: nodes.Node) -> None:
    for parent in tree.find_all(nodes.Node):
        for field in parent.fields:
            value = getattr(parent, field, None)
            if value is old:
                setattr(parent, field, new)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if item is old:
                        value[index] = new


class PromptSandbox(ImmutableSandboxedEnvironment):
    """``ImmutableSandboxedEnvironment`` with the size and work limits above."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(finalize=lambda value: _check_size(value, "an inserted value"), **kwargs)
        self.globals["range"] = _safe_range
        self.globals["namespace"] = _Namespace
        self.globals.pop("lipsum", None)
        self.binop_table = {
            **self.binop_table,
            "*": _multiply,
            "**": _power,
            "%": _modulo,
            "+": _add,
        }
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.filters["_loop"] = _loop
        self.filters["_concat"] = _concat

    def parse_checked(self, source: str) -> nodes.Template:
        """The template's syntax tree, rewritten; refused forms raise ``TemplateLimitError``."""
        return _rewrite(self.parse(source))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        _check_format_string(value.__self__)
        owner = value.__self__

        def bounded(*args: Any, **kwargs: Any) -> str:
            for arg in (*args, *kwargs.values()):
                _check_size(arg, "str.format()")
            _check_predicted(len(owner) + sum(size(a) for a in args), "str.format()")
            return str(_check_size(wrapped(*args, **kwargs), "str.format()"))

        return bounded

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(__obj, "__name__", "")
        owner = getattr(__obj, "__self__", None)
        where = f"{name}()" if name else "a call"
        _step(where, 0)
        for arg in (*args, *kwargs.values()):
            _check_size(arg, where)
        if isinstance(owner, str | bytes):
            if name in _WIDTH_METHODS:
                for arg in (*args, *kwargs.values()):
                    _check_width(arg, f"str.{name}()")
            elif name == "replace" and len(args) >= 2:
                _predict_replace(owner, args[0], args[1], "str.replace()")
            elif name == "join" and args:
                _predict_join(args[0], owner, "str.join()")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, Iterator):
            return _bounded_iter(result, where)
        return _check_size(result, where)

    def render(self, source: str, values: Mapping[str, Any]) -> str:
        """``source`` rendered with ``values``, within the limits."""
        template = self.from_string(self.parse_checked(source))
        token = _budget.set([MAX_STEPS, time.monotonic() + MAX_SECONDS])
        try:
            return "".join(_capped(template.generate(values)))
        finally:
            _budget.reset(token)


def _capped(chunks: Iterator[str]) -> Iterator[str]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_TEXT:
            raise _refuse(f"the rendered text passed {MAX_TEXT} characters")
        yield chunk


def prompt_sandbox() -> PromptSandbox:
    """The environment user templates render in (strict about undefined variables)."""
    return PromptSandbox(undefined=jinja2.StrictUndefined, autoescape=False, loader=_NoFiles())
