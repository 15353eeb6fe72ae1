"""A Jinja2 sandbox for templates from outside: no Python internals, and bounded size and work.

Jinja2's ``ImmutableSandboxedEnvironment`` stops attribute walks to Python internals
(``cycler.__init__.__globals__``) and mutation of the values passed in, but not a template that
asks for more memory or time than the machine has: ``{{ 'a' * 10**10 }}`` is even evaluated
while the template *compiles* (constant folding), so listing prompts exhausted 24 GB. Here:

* ``*``, ``**`` and ``%`` are intercepted (which also stops their folding at compile time):
  a repeated string or list may not exceed ``MAX_TEXT`` items, a power or product no more than
  ``MAX_INT_BITS`` bits, a printf width or precision no more than ``MAX_ARG``;
* a width above ``MAX_ARG`` is refused where a template can ask for one: the filters
  ``center``, ``indent``, ``wordwrap`` and ``format``, the string methods ``center``, ``ljust``,
  ``rjust``, ``zfill`` and ``expandtabs``, a ``str.format`` field (a nested ``{}`` width too);
  data values are never limited;
* ``+`` may not make a string or list longer than ``MAX_TEXT``, nor may a ``namespace``
  attribute hold one (``~`` doubling in a loop); ``lipsum`` is not offered;
* ``{% include %}``, ``import`` and ``extends`` read no file;
* ``range`` draws from a budget of ``MAX_STEPS`` items per render, across nested loops;
* the rendered text stops at ``MAX_TEXT`` characters.

Each limit raises ``TemplateLimitError`` (a ``SecurityError``), reported to the user as a
template that tried something a prompt may not do.
"""

from __future__ import annotations

import contextvars
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import BaseLoader
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from usecase_kit._config import excerpt

#: Characters a rendered template, or a repeated string or list, may hold (about 250k tokens).
MAX_TEXT = 1_000_000
#: Largest width a template may ask of a filter, string method, printf or format field.
MAX_ARG = 10_000
#: Bits an integer made by ``*`` or ``**`` may have (a 38-digit number).
MAX_INT_BITS = 128
#: Items all ``range()`` calls of one render may yield together.
MAX_STEPS = 1_000_000

_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_NUMBER = re.compile(r"\{[^{}]*?:[^{}]*?(\d+)")
_FORMAT_NESTED = re.compile(r"\{[^{}]*:[^{}]*\{")
_WIDTH_FILTERS = frozenset({"center", "indent", "wordwrap", "format"})
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_steps: contextvars.ContextVar[list[int]] = contextvars.ContextVar("template_steps")


class TemplateLimitError(SecurityError):
    """A template asked for more text, numbers or loop steps than a prompt can need."""


def _refuse(what: str) -> TemplateLimitError:
    return TemplateLimitError(what)


def _check_int(value: Any, where: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARG:
        shown = value if abs(value) < 10**12 else "of many digits"
        raise _refuse(f"{where}: width {shown}, limit {MAX_ARG}")


def _check_args(args: tuple[Any, ...], kwargs: Mapping[str, Any], where: str) -> None:
    for value in (*args, *kwargs.values()):  # widths only: callers pass no data here
        _check_int(value, where)


def _check_printf(template: str) -> None:
    for match in _PRINTF_FIELD.finditer(template):
        for part in match.groups():
            if part == "*":
                raise _refuse("'*' width in a % format")
            if part is not None and int(part) > MAX_ARG:
                raise _refuse(f"% format width {int(part)}, limit {MAX_ARG}")


def _check_format_spec(template: str) -> None:
    if _FORMAT_NESTED.search(template):
        raise _refuse("a format field whose width comes from an argument")
    for match in _FORMAT_NUMBER.finditer(template):
        if int(match.group(1)) > MAX_ARG:
            raise _refuse(f"format width {int(match.group(1))}, limit {MAX_ARG}")


def _multiply(left: Any, right: Any) -> Any:
    for seq, times in ((left, right), (right, left)):
        repeats = isinstance(seq, (str, list, tuple)) and isinstance(times, int)
        if repeats and len(seq) * max(times, 0) > MAX_TEXT:
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
    sequences = isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple))
    if sequences and len(left) + len(right) > MAX_TEXT:
        raise _refuse(f"joining more than {MAX_TEXT} items")
    return operator.add(left, right)


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _check_printf(left)
    return operator.mod(left, right)


def _safe_range(*args: int) -> range:
    steps = range(*args)
    budget = _steps.get(None)
    if budget is not None:
        budget[0] -= len(steps)
        if budget[0] < 0:
            raise _refuse(f"loops over range() took more than {MAX_STEPS} steps in one render")
    elif len(steps) > MAX_STEPS:
        raise _refuse(f"range() of more than {MAX_STEPS} items")
    return steps


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    # a pass_context/pass_environment filter gets that object first, then the value
    skip = 2 if hasattr(function, "jinja_pass_arg") else 1

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_args(args[skip:], kwargs, f"filter '{name}'")
        if name == "format" and len(args) >= skip and isinstance(args[skip - 1], str):
            _check_printf(args[skip - 1])
        return function(*args, **kwargs)

    if hasattr(function, "jinja_pass_arg"):
        bounded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return bounded


class _Namespace(Namespace):
    """``namespace()`` whose attributes may not hold a string or list beyond ``MAX_TEXT``."""

    def __setitem__(self, name: str, value: Any) -> None:
        if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT:
            raise _refuse(f"a namespace value of more than {MAX_TEXT} items")
        super().__setitem__(name, value)


class _NoFiles(BaseLoader):
    """``{% include %}``, ``{% import %}`` and ``{% extends %}`` read no file."""

    def get_source(self, environment: Any, template: str) -> Any:
        raise TemplateLimitError(
            f"{excerpt(template, 60)} names another file: a prompt template may not include, "
            "import or extend files; put the text in the template itself"
        )


class PromptSandbox(ImmutableSandboxedEnvironment):
    """``ImmutableSandboxedEnvironment`` with the size and work limits above."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
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
        self.filters = {
            name: _bounded_filter(name, f) if name in _WIDTH_FILTERS else f
            for name, f in self.filters.items()
        }

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format_spec(value.__self__)
        return wrapped

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(__obj, "__name__", "")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and name in _WIDTH_METHODS:
            _check_args(args, kwargs, f"str.{name}()")
        return super().call(__context, __obj, *args, **kwargs)

    def render(self, source: str, values: Mapping[str, Any]) -> str:
        """``source`` rendered with ``values``, within the limits."""
        template = self.from_string(source)
        token = _steps.set([MAX_STEPS])
        try:
            return "".join(_capped(template.generate(values)))
        finally:
            _steps.reset(token)


def _capped(chunks: Iterator[str]) -> Iterator[str]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_TEXT:
            raise _refuse(f"the rendered text passed {MAX_TEXT} characters")
        yield chunk


def prompt_sandbox() -> PromptSandbox:
    """The environment user templates render in (strict about undefined variables)."""
    return PromptSandbox(undefined=jinja2.StrictUndefined, autoescape=False, loader=_NoFiles())
