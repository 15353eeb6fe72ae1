"""A prompt template from outside cannot take the machine's memory or time, nor read files.

Before the bounded sandbox, ``{{ 'a' * 10**10 }}`` was evaluated while the template compiled
(Jinja's constant folding): listing prompts grew to 24 GB and was killed. Since issue 22 the
template language is an allow-list checked when the file is read: most attacks are refused
there, naming the line and the construct; the rest (loops over given lists) at render.
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
    # found by a fifth review (issue 22): 12 templates of 9 techniques past 1 GB or 5 s
    "format repeated then formatted": "{{ ('{0:10000}' * 99000).format(1) | length }}",
    "expandtabs": "{{ ('\t' * 100000).expandtabs(10000) | length }}",
    "translate with a long mapping": "{{ ('a' * 100000).translate({97: 'b' * 10000}) | length }}",
    "printf percent": "{{ '%10000s' * 99000 % ((1,) * 99000) }}",
    "format filter": "{{ '%10000s' | format(question) }}",
    "wordwrap wrapstring": "{{ question | wordwrap(1, wrapstring='x' * 10000) }}",
    "400 cyclers counted as one": "{{ [cycler('a' * 10000)] * 400 }}",
    "urlize quadratic": "{{ ('a.b ' * 10000) | urlize }}",
    "loop over a string": "{% for c in question %}{% for d in question %}{% endfor %}{% endfor %}",
    "globals": "{{ range(10) | list }}{{ lipsum(1000) }}{{ joiner() }}",
    "dunder attribute": "{{ question.__class__ }}",
    "indexing into internals": "{{ question['__class__'] }}",
}


@pytest.mark.parametrize("body", ATTACKS.values(), ids=list(ATTACKS))
def test_a_template_asking_too_much_is_a_clear_error(body: str) -> None:
    with pytest.raises(InputError) as caught:  # refused when read, or when rendered
        template = parse_template("evil", HEAD + body + "{{ question }}", "evil.md")
        template.render({"question": "q" * 2000})
    message = str(caught.value)
    assert message.startswith(("evil.md: line ", "Prompt evil@")) and "Traceback" not in message
    assert "not part of the prompt template language" in message or "may not do" in message
    # the process never held the text it was asked for
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000  # KiB


@pytest.mark.parametrize(
    "body, construct",
    [
        ("{{ 1 / 0 }}", "arithmetic ('/')"),
        ("{{ 'ab' - 1 }}", "arithmetic ('-')"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "{% macro %}"),
        ("{% set x %}{% for a in items %}{{ a }}{% endfor %}{% endset %}", "block {% set %}"),
        ("{% filter upper %}{{ question }}{% endfilter %}", "{% filter %}"),
        ("{% set x = 1 %}", "{% set %}"),
        ("{{ question.upper() }}", "a call"),
        ("{{ question ~ question }}", "joining with '~'"),
        ("{{ question | replace('a', 'b') }}", "the filter 'replace'"),
        ("{{ question | join(question) }}", "a computed argument"),
        ("{{ question | default('" + "x" * 200 + "') }}", "a literal of 200 characters"),
        ("{% include '/etc/passwd' %}", "{% include %}"),
    ],
)
def test_constructs_outside_the_language_are_refused_when_read_with_line_and_name(
    body: str, construct: str
) -> None:
    head = HEAD.replace("question: {required: true}", "question: {required: true}\n  items: {}")
    with pytest.raises(InputError) as caught:
        parse_template("refused", head + "Intro\n\n" + body + "{{ question }}", "refused.md")
    message = str(caught.value)
    assert message.startswith("refused.md: line 9: ") and construct in message  # in the file


def test_nothing_is_folded_while_the_template_compiles() -> None:
    """A dead branch of constant filters took 2.9 GB while compiling; now it is not read."""
    from usecase_kit._sandbox import TemplateLimitError, prompt_sandbox

    chain = "|replace('a', 'aaaaaaaaaa')" * 8
    env = prompt_sandbox()
    with pytest.raises(TemplateLimitError, match="the filter 'replace'"):
        env.parse_checked("{% if false %}{{ 'aaaaaaaaaa'" + chain + " }}{% endif %}")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000


def test_the_template_language_still_does_what_prompts_need() -> None:
    head = HEAD.replace(
        "question: {required: true}",
        "question: {required: true}\n  context: {}\n  case: {}\n  items: {}\n  missing: {}",
    )
    body = (
        "{{ question }} {% if context and not missing %}[{{ context | trim | upper }}]"
        "{% elif missing is none %}none{% else %}-{% endif %} {{ case.id }} "
        "{% for item in items %}{{ loop.index }}={{ item.name | default('?') }}"
        "{% if not loop.last %}, {% endif %}{% endfor %} {{ items | length }} "
        "{{ 'yes' if case.id == 'c1' else 'no' }} {{ ['a', 'b'] if false else 'J: {x}' }} "
        "{{ question | truncate(5) }} {{ case.tags | join(', ') }}"
    )
    body = body.replace(" {{ ['a', 'b'] if false else 'J: {x}' }}", " {{ 'J: {x}' }}")

    class Case:
        id = "c1"
        tags = ("t1", "t2")

    rendered = parse_template("fine", head + body, "fine.md").render(
        {"question": "Q?", "context": " ctx ", "case": Case(), "missing": None,
         "items": [{"name": "a"}, {"name": "b"}, {}]}
    )  # fmt: skip
    assert rendered[-1].content == ("Q? [CTX] c1 1=a, 2=b, 3=? 3 yes J: {x} Q? t1, t2")


def test_rendering_a_hostile_template_under_a_memory_limit_is_a_clear_error() -> None:
    # 3 GiB of address space: the attack asks for 10 GB, so without the limits it ends in
    # MemoryError (or, with no limit, the out-of-memory killer)
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        from usecase_kit.errors import InputError
        from usecase_kit.prompts import parse_template
        try:
            template = parse_template("evil", sys.argv[1], "evil.md")
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
    assert done.stdout.startswith("refused: evil.md: line 6") and "MemoryError" not in done.stderr


def test_a_render_stops_at_its_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the step budget, a loop of costly filters on a long value could still run for
    minutes: the render has a deadline, checked at every step, filter and call."""
    import time

    import usecase_kit._sandbox as sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.3)
    head = HEAD.replace("question: {required: true}", "question: {required: true}\n  big: {}")
    # nothing is written, so only the deadline can stop it (not the output bound)
    body = (
        "{% for a in big %}{% for b in big %}{% if a | upper | length > 5000 %}x{% endif %}"
        "{% endfor %}{% endfor %}"
    )
    template = parse_template("slow", head + body, "slow.md")
    started = time.monotonic()
    with pytest.raises(InputError, match=r"the render took more than 0\.3 s"):
        template.render({"question": "q", "big": ["a" * 1000] * 900})
    assert time.monotonic() - started < 5
