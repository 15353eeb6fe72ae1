"""Prompt registry: Jinja2 templates with YAML front matter, content-hash versions and labels.

A template lives in ``templates/prompts/<name>.md``; its version is the first 12 hex digits of
the SHA-256 of its text. Labels (``production``, ``candidate``...) point at versions in
``registry.yaml``; labelling snapshots the text under ``versions/<name>/<version>.md`` so old
versions stay readable and diffable. Refs: ``name``, ``name@label``, ``name@<version>``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ConfigDict, Field, ValidationError

from usecase_kit._config import (
    Float,
    Int,
    StrictModel,
    describe_error,
    excerpt,
    parse_yaml,
    read_text,
)
from usecase_kit._io import atomic_write_text
from usecase_kit._sandbox import PromptSandbox, TemplateLimitError, prompt_sandbox
from usecase_kit.errors import InputError
from usecase_kit.providers.base import Message, Settings

__all__ = [
    "PORTFOLIO_PROMPTS",
    "PromptRegistry",
    "PromptTemplate",
    "VariableSpec",
    "check_prompt_ref",
    "load_prompt",
    "portfolio_prompt_folder",
    "prompt_version",
]

_PROMPT_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}(@[A-Za-z0-9][A-Za-z0-9_.-]{0,63})?")


def check_prompt_ref(value: str) -> str:
    """A prompt reference is a template name (optionally @label or @version), never a path."""
    if not _PROMPT_REF.fullmatch(value):
        raise ValueError(
            f"{excerpt(value)} is not a prompt name: give a template name from templates/prompts "
            "such as 'faq_answer' or 'faq_answer@production' (letters, digits, '_', '-', '.'; "
            "no folders)"
        )
    return value


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def _checked_name(name: str, what: str = "template name") -> str:
    """A name used inside a file path (template, label, version): one plain component."""
    if not _PLAIN_NAME.fullmatch(name):
        raise InputError(
            f"{excerpt(name)} is not a valid prompt {what}: use letters, digits, '_', '-' and "
            "'.' only (no folders)."
        )
    return name


REGISTRY_FILE = "registry.yaml"
VERSIONS_DIR = "versions"


class VariableSpec(StrictModel):
    """A declared template variable."""

    model_config = ConfigDict(frozen=True)
    required: bool = True
    default: str = ""
    description: str = ""


class _SettingsModel(StrictModel):
    temperature: Float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: Int | None = Field(None, gt=0)
    seed: Int | None = None
    timeout_s: Float = Field(60.0, gt=0)


class _FrontMatter(StrictModel):
    description: str = ""
    system: str = Field("", description="system message (a Jinja2 template too)")
    variables: dict[str, VariableSpec] = Field(default_factory=dict)
    settings: _SettingsModel = Field(default_factory=_SettingsModel)


def prompt_version(text: str) -> str:
    """The content hash that names a version (line endings normalised)."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class PromptTemplate:
    """One version of one prompt template."""

    name: str
    version: str
    text: str
    description: str
    system: str
    body: str
    variables: dict[str, VariableSpec] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)

    def render(self, variables: Mapping[str, Any]) -> list[Message]:
        """Messages for ``variables``; missing or undeclared variables raise ``InputError``."""
        values = self._values(variables)
        messages = []
        if self.system.strip():
            messages.append(Message("system", self._render(self.system, values)))
        messages.append(Message("user", self._render(self.body, values)))
        return messages

    def _render(self, source: str, values: Mapping[str, Any]) -> str:
        import jinja2
        from jinja2.exceptions import SecurityError

        try:
            return _jinja_env().render(source, values).strip()
        except SecurityError as exc:
            raise InputError(
                f"Prompt {self.name}@{self.version}: the template tried something a prompt may "
                f"not do ({excerpt(str(exc), 200)}). Templates may only insert variables, loop "
                "over given lists and branch, within 1,000,000 characters and 1,000,000 loop "
                "steps."
            ) from None
        except jinja2.TemplateError as exc:
            raise InputError(
                f"Prompt {self.name}@{self.version}: {type(exc).__name__}: {excerpt(str(exc), 200)}"
            ) from None
        except Exception as exc:  # the template's own code failed (a bad filter argument...)
            raise InputError(
                f"Prompt {self.name}@{self.version}: the template failed while rendering: "
                f"{type(exc).__name__}: {excerpt(str(exc), 200)}. Fix the template's expressions."
            ) from None

    def _values(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(variables) - set(self.variables))
        missing = [n for n, s in self.variables.items() if s.required and n not in variables]
        if unknown or missing:
            problems = [f"missing variable '{n}'" for n in missing]
            problems += [f"undeclared variable '{n}'" for n in unknown]
            declared = ", ".join(self.variables) or "none"
            raise InputError(f"Prompt {self.name}@{self.version} (declares: {declared})", problems)
        return {n: variables.get(n, s.default) for n, s in self.variables.items()}


def _jinja_env() -> PromptSandbox:
    """User templates are of an allow-listed language, checked when read (text, variables,
    attributes, if, for over a given list, a few filters), rendered in Jinja2's immutable
    sandbox with bounded text and loop steps (``usecase_kit._sandbox``)."""
    return prompt_sandbox()


def parse_template(name: str, text: str, origin: str) -> PromptTemplate:
    """Parse ``---`` front matter and body; check the body uses only declared variables."""
    front, body = _split_front_matter(text, origin)
    data = parse_yaml(front, f"{origin} (front matter)") or {}
    if not isinstance(data, dict):
        raise InputError(f"{origin}: the front matter must be a mapping of field: value.")
    try:
        meta = _FrontMatter.model_validate(data)
    except ValidationError as exc:
        problems = [describe_error(e) for e in exc.errors()]
        raise InputError(f"{origin}: invalid front matter", problems) from None
    normalised = text.replace("\r\n", "\n")
    first_line = normalised.count("\n") - body.count("\n") + 1  # the body's line in the file
    _check_template_vars(origin, meta, body, first_line)
    settings = Settings(**meta.settings.model_dump())
    return PromptTemplate(
        name,
        prompt_version(text),
        text,
        meta.description,
        meta.system,
        body,
        meta.variables,
        settings,
    )


def _split_front_matter(text: str, origin: str) -> tuple[str, str]:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---" or "---" not in [x.strip() for x in lines[1:]]:
        raise InputError(f"{origin}: must start with YAML front matter between two '---' lines.")
    end = 1 + [x.strip() for x in lines[1:]].index("---")
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :])


def _check_template_vars(origin: str, meta: _FrontMatter, body: str, first_line: int = 1) -> None:
    import jinja2
    from jinja2 import meta as jmeta

    env = _jinja_env()
    try:
        used = set(jmeta.find_undeclared_variables(env.parse_checked(body, first_line)))
    except TemplateLimitError as exc:
        raise InputError(f"{origin}: {exc}.") from None
    except jinja2.TemplateSyntaxError as exc:
        line = exc.lineno + first_line - 1
        raise InputError(f"{origin}: template syntax error at line {line}: {exc.message}") from None
    try:
        used |= set(jmeta.find_undeclared_variables(env.parse_checked(meta.system)))
    except TemplateLimitError as exc:
        raise InputError(f"{origin}: front matter 'system:', {exc}.") from None
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(
            f"{origin}: template syntax error at line {exc.lineno}: {exc.message}"
        ) from None
    undeclared = sorted(used - set(meta.variables))
    if undeclared:
        raise InputError(
            f"{origin}: template uses undeclared variables",
            [f"declare '{n}' under variables:" for n in undeclared],
        )


class PromptRegistry:
    """The templates in one folder, their labels and archived versions."""

    def __init__(self, root: str | Path | None = None) -> None:
        if root is None:
            from usecase_kit.paths import templates_dir

            root = templates_dir() / "prompts"
        self.root = Path(root)

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("*.md"))

    def current(self, name: str) -> PromptTemplate:
        path = self.root / f"{_checked_name(name)}.md"
        if not path.is_file():
            known = ", ".join(self.names()) or "none"
            raise InputError(f"Unknown prompt template {name!r} in {self.root}; known: {known}.")
        return parse_template(name, read_text(path, "prompt template"), str(path))

    def get(self, ref: str) -> PromptTemplate:
        """Resolve ``name``, ``name@label`` or ``name@version``."""
        name, _, tag = ref.partition("@")
        current = self.current(name)
        if not tag or tag in ("latest", current.version):
            return current
        version = _checked_name(self.labels(name).get(tag, tag), "label or version")
        if version == current.version:
            return current
        snapshot = self.root / VERSIONS_DIR / name / f"{version}.md"
        if not snapshot.is_file():
            raise InputError(
                f"Prompt {name!r} has no label or archived version {tag!r}; labels: "
                f"{sorted(self.labels(name)) or 'none'}, versions: {self.versions(name)}."
            )
        return parse_template(name, read_text(snapshot, "prompt template"), str(snapshot))

    def versions(self, name: str) -> list[str]:
        archived = sorted(
            p.stem for p in (self.root / VERSIONS_DIR / _checked_name(name)).glob("*.md")
        )
        current = self.current(name).version
        return [current, *[v for v in archived if v != current]]

    def labels(self, name: str) -> dict[str, str]:
        return dict(self._registry().get(name, {}))

    def set_label(self, name: str, label: str, version: str | None = None) -> str:
        """Point ``label`` at ``version`` (default: the current text, archived first)."""
        template = self.get(f"{name}@{version}") if version else self.current(name)
        _checked_name(label, "label")
        archive = self.root / VERSIONS_DIR / name / f"{template.version}.md"
        if not archive.exists():
            atomic_write_text(archive, template.text)
        registry = self._registry()
        registry.setdefault(name, {})[label] = template.version
        atomic_write_text(
            self.root / REGISTRY_FILE, _REGISTRY_HEADER + yaml.safe_dump(registry, sort_keys=True)
        )
        return template.version

    def diff(self, ref_a: str, ref_b: str) -> str:
        """Unified diff between two refs (empty when identical)."""
        a, b = self.get(ref_a), self.get(ref_b)
        lines = difflib.unified_diff(
            a.text.splitlines(keepends=True),
            b.text.splitlines(keepends=True),
            fromfile=f"{a.name}@{a.version}",
            tofile=f"{b.name}@{b.version}",
        )
        return "".join(lines)

    def table(self) -> list[dict[str, Any]]:
        """One row per template: name, current version, labels, variables, description."""
        rows = []
        for name in self.names():
            t = self.current(name)
            labels = ", ".join(f"{k}={v}" for k, v in sorted(self.labels(name).items()))
            rows.append(
                {
                    "name": name,
                    "version": t.version,
                    "labels": labels,
                    "variables": ", ".join(t.variables),
                    "description": t.description,
                }
            )
        return rows

    def _registry(self) -> dict[str, dict[str, str]]:
        path = self.root / REGISTRY_FILE
        if not path.is_file():
            return {}
        data = parse_yaml(read_text(path, "prompt registry"), str(path)) or {}
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise InputError(f"{path}: expected 'name: {{label: version}}' mappings.")
        return {str(k): {str(lk): str(lv) for lk, lv in v.items()} for k, v in data.items()}


_REGISTRY_HEADER = (
    "# Prompt labels: <template name>: {<label>: <version>}. A version is the content hash\n"
    "# shown by `usecase-kit prompts list`; labelled texts are archived under\n"
    "# versions/<name>/<version>.md.\n"
)


def load_prompt(ref: str, root: str | Path | None = None) -> PromptTemplate:
    """Shortcut for ``PromptRegistry(root).get(ref)``."""
    return PromptRegistry(root).get(ref)


#: A portfolio's own prompt templates: this folder beside the portfolio file.
PORTFOLIO_PROMPTS = "prompts"


def portfolio_prompt_folder(portfolio_file: Path | None, ref: str) -> tuple[Path | None, str]:
    """The folder prompt ``ref`` is read from for a portfolio, and a note for the pack.

    A portfolio may keep templates in ``prompts/`` beside it (the same format, sandbox and
    versioning as ``templates/prompts/``). When that folder holds ``<name>.md`` it is used, and
    wins over a shipped template of the same name (the note says so); otherwise ``(None, "")``:
    the shipped templates. Every file in the folder must resolve inside it (no symlink or
    ``..`` out of it), and the chosen template must be non-empty UTF-8 text.
    """
    if portfolio_file is None:
        return None, ""
    folder = portfolio_file.parent / PORTFOLIO_PROMPTS
    name = _checked_name(ref.partition("@")[0])
    path = folder / f"{name}.md"
    if not folder.is_dir() or not (path.exists() or path.is_symlink()):
        return None, ""
    _check_confined(folder, portfolio_file.parent)
    text = read_text(path, "prompt template")
    if not text.strip():
        raise InputError(
            f"{path}: the prompt template is empty; write its YAML front matter and body "
            f"(see templates/prompts/faq_answer.md), or delete the file to use a shipped one."
        )
    shipped = PromptRegistry()
    note = f"Prompt {name!r} is the portfolio's own ({path})."
    if name in shipped.names():
        note = (
            f"Prompt {name!r} comes from the portfolio's prompts folder ({path}), not the "
            "toolkit's shipped template of the same name."
        )
    return folder, note


def _check_confined(folder: Path, portfolio_dir: Path) -> None:
    """Refuse a prompts folder, or any file in it, that leads outside it (symlink or ``..``)."""
    inside = folder.resolve()
    if not inside.is_relative_to(portfolio_dir.resolve()):
        raise InputError(
            f"{folder}: the portfolio's prompts folder is a link to {inside}, outside the "
            "portfolio's folder; make it a real folder beside the portfolio."
        )
    for item in sorted(folder.rglob("*")):
        target = item.resolve()
        if not target.is_relative_to(inside):
            raise InputError(
                f"{item}: points outside the portfolio's prompts folder (to {target}); copy the "
                "file into the folder instead of linking to it."
            )
