"""A prompt template from outside cannot take the machine's memory or time, nor read files.

Before the bounded sandbox, ``{{ 'a' * 10**10 }}`` was evaluated while the template compiled
(Jinja's constant folding): listing prompts grew to 24 GB and was killed.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap

import pytest

from usecase_kit.errors import InputError
from usecase_kit.prompts import parse_template

HEAD = "---\ndescription: test\nvariables:\n  question: {required: true}\n---\n"

ATTACKS = {
    "string repeat folded at compile": "{{ 'a' * 10**10 }}",
    "list repeat": "{{ [1] * 10**9 }}",
    "power": "{{ 9 ** 9 ** 9 }}",
    "big power": "{{ 2 ** 100000 }}",
    "center filter": "{{ 'a' | center(10**9) }}",
    "indent filter": "{{ 'a\nb' | indent(1000000) }}",
    "printf width": "{{ '%999999999s' % 'a' }}",
    "printf star width": "{{ '%*s' % (10**9, 'a') }}",
    "format filter width": "{{ '%999999999s' | format('a') }}",
    "str.format width": "{{ '{:>999999999}'.format(1) }}",
    "str.format nested width": "{{ '{:{}}'.format('a', 10**9) }}",
    "zfill": "{{ 'a'.zfill(1000000000) }}",
    "ljust": "{{ 'a'.ljust(1000000000) }}",
    "nested loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    ),
    "doubling in a namespace": (
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}"
    ),
    "output flood": "{% for i in range(10) %}{{ 'x' * 200000 }}{% endfor %}",
    "include a file": "{% include '/etc/passwd' %}",
    "import a file": "{% import 'x.html' as m %}",
    "extends a file": "{% extends '/etc/hosts' %}",
    "python internals via format": "{{ '{0.__class__}'.format(1) }}",
    # found by a second review (2026-12-03)
    "fill digit read as width": "{{ '{:1>2200000000}'.format('a') | length }}",
    "zero-fill width": "{{ '{:0=2200000000}'.format(1) | length }}",
    "bytes repeat": "{{ ('a'.encode() * 2200000000) | length }}",
    "replace amplifies": "{% set s = 'a' * 1000000 %}{{ s | replace('a', 'a' * 2200) | length }}",
    "join amplifies": "{% set s = 'a' * 1000000 %}{{ ([s] * 2200) | join | length }}",
    "indent by a string": "{% set s = 'a\n' * 500000 %}{{ s | indent('b' * 4400) | length }}",
    "tilde doubling": "{% set s = 'a' * 400000 %}{% set s = s ~ s %}{% set s = s ~ s %}{{ s }}",
    "batch fill": "{{ [1] | batch(100000000, 0) | list | length }}",
    "tojson indent": "{{ [1, 2] | tojson(indent=100000000) }}",
    "slice count": "{{ [1] | slice(20000000) | list | length }}",
    "nested loops over strings": (
        "{% for a in 'a' * 100000 %}{% for b in 'a' * 100000 %}{% endfor %}{% endfor %}"
    ),
    "a list that shares itself": "{% set l = [1] %}" + "{% set l = [l, l] %}" * 30 + "{{ l }}",
}


@pytest.mark.parametrize("body", ATTACKS.values(), ids=list(ATTACKS))
def test_a_template_asking_too_much_is_a_clear_error(body: str) -> None:
    template = parse_template("evil", HEAD + body + "{{ question }}", "evil.md")
    with pytest.raises(InputError) as caught:
        template.render({"question": "q"})
    message = str(caught.value)
    assert message.startswith("Prompt evil@") and "Traceback" not in message
    assert "may not do" in message
    # the process never held the text it was asked for
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000  # KiB


@pytest.mark.parametrize(
    "body, error",
    [
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ 'ab' - 1 }}", "TypeError"),
    ],
)
def test_a_template_that_fails_is_an_input_error_not_a_traceback(body: str, error: str) -> None:
    template = parse_template("broken", HEAD + body + "{{ question }}", "broken.md")
    with pytest.raises(InputError, match=f"the template failed while rendering: {error}"):
        template.render({"question": "q"})


@pytest.mark.parametrize(
    "body, form",
    [
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "{% macro %}"),
        ("{% set x %}{% for a in 'a' * 2200 %}{{ 'b' * 1000 }}{% endfor %}{% endset %}", "block"),
        ("{% filter upper %}{{ question }}{% endfilter %}", "{% filter %}"),
    ],
)
def test_forms_that_capture_output_are_refused_when_the_template_is_read(
    body: str, form: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_template("capturing", HEAD + body + "{{ question }}", "capturing.md")
    assert "capturing.md" in str(caught.value) and form in str(caught.value)


def test_nothing_is_folded_while_the_template_compiles() -> None:
    """A dead branch of constant filters took 2.9 GB while compiling; now nothing runs."""
    from usecase_kit._sandbox import prompt_sandbox

    chain = "|replace('a', 'aaaaaaaaaa')" * 8
    env = prompt_sandbox()
    env.from_string(env.parse_checked("{% if false %}{{ 'aaaaaaaaaa'" + chain + " }}{% endif %}"))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000


def test_escaped_braces_and_percent_signs_are_not_widths() -> None:
    body = (
        "{{ 'Return JSON {{\"max\": 20000}} for {}'.format(question) }} "
        "{{ '100%%20000 %s' % question }}"
    )
    rendered = parse_template("fine", HEAD + body, "fine.md").render({"question": "Q?"})
    assert rendered[-1].content == 'Return JSON {"max": 20000} for Q? 100%20000 Q?'


def test_ordinary_template_features_still_work() -> None:
    body = (
        "{{ question }} {{ '{:,}'.format(1500000) }} {{ 1500000 * 12 }} {{ 'n=%5d' % 42 }} "
        "[{{ 'ab' | center(6) }}] {{ 2 ** 10 }} "
        "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}"
        "{{ ns.n }} {{ range(4) | list }} {{ 'a' + 'b' }} {{ [1, 2] + [3] }} {{ 3.5 * 2 }} "
        "{{ 'x' * 3 }} {{ 'long text' | truncate(4000000) }} {{ '%s-%s' | format('a', 'b') }} "
        "{{ large * 2 }} {{ '{}'.format(large) }}"
    )
    head = HEAD.replace("question: {required: true}", "question: {required: true}\n  large: {}")
    rendered = parse_template("fine", head + body, "fine.md").render(
        {"question": "Q?", "large": 10**15}
    )
    assert rendered[-1].content == (
        "Q? 1,500,000 18000000 n=   42 [  ab  ] 1024 3 [0, 1, 2, 3] ab [1, 2, 3] 7.0 xxx "
        "long text a-b 2000000000000000 1000000000000000"
    )


def test_rendering_a_hostile_template_under_a_memory_limit_is_a_clear_error() -> None:
    # 3 GiB of address space: the attack asks for 10 GB, so without the limits it ends in
    # MemoryError (or, with no limit, the out-of-memory killer)
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        from usecase_kit.errors import InputError
        from usecase_kit.prompts import parse_template
        template = parse_template("evil", sys.argv[1], "evil.md")
        try:
            template.render({"question": "q"})
        except InputError as exc:
            print("refused:", exc)
        """
    )
    body = HEAD + "{{ 'a' * 10**10 }}{{ question }}\n"
    done = subprocess.run(
        [sys.executable, "-c", script, body], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("refused: Prompt evil@") and "MemoryError" not in done.stderr


def test_a_render_stops_at_its_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the step budget, a loop of costly filters on a long value could still run for
    minutes: the render has a deadline, checked at every step, filter and call."""
    import time

    import usecase_kit._sandbox as sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.3)
    head = HEAD.replace("question: {required: true}", "question: {required: true}\n  big: {}")
    body = "{% for i in range(100000) %}{{ big | replace('a', 'b') | length }}{% endfor %}"
    template = parse_template("slow", head + body, "slow.md")
    started = time.monotonic()
    with pytest.raises(InputError, match=r"the render took more than 0\.3 s"):
        template.render({"question": "q", "big": "a\n" * 400_000})
    assert time.monotonic() - started < 5
