"""Output validation: length limits, JSON that parses, and a JSON schema or pydantic model.

A finding says what is wrong (``TOO_LONG``, ``EMPTY``, ``INVALID_JSON``, ``SCHEMA``) and
where; the policy decides whether the answer is blocked or only flagged. JSON may come
wrapped in a Markdown code fence, as chat models like to write it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from usecase_kit.errors import ConfigError
from usecase_kit.guardrails.base import Finding

__all__ = ["OutputScanner", "extract_json"]

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(?P<body>.*?)\n\s*```\s*$", re.DOTALL | re.IGNORECASE)


def extract_json(text: str) -> str:
    """The JSON text inside a Markdown code fence, or ``text`` itself."""
    match = _FENCE.match(text)
    return match.group("body") if match else text


class OutputScanner:
    """Checks one answer against length limits and, when given, a JSON schema or model."""

    name = "output"
    stages = frozenset({"after_call"})
    can_redact = False
    roles = frozenset({"assistant"})

    def __init__(
        self,
        *,
        max_chars: int | None = None,
        min_chars: int = 1,
        json_schema: Mapping[str, Any] | None = None,
        model: type[BaseModel] | None = None,
    ) -> None:
        if json_schema is not None and model is not None:
            raise ConfigError("OutputScanner takes a json_schema or a pydantic model, not both.")
        self.max_chars, self.min_chars = max_chars, min_chars
        self.json_schema, self.model = json_schema, model
        self._validator = _schema_validator(json_schema) if json_schema is not None else None

    def scan(self, text: str) -> list[Finding]:
        findings = self._length(text)
        if self.model is not None or self._validator is not None:
            findings += self._structure(text)
        return findings

    def _finding(self, kind: str, reason: str, span: tuple[int, int] = (0, 0)) -> Finding:
        return Finding(self.name, kind, span, reason, 1.0)

    def _length(self, text: str) -> list[Finding]:
        size = len(text.strip())
        if size < self.min_chars:
            return [
                self._finding("EMPTY", f"answer has {size} characters (minimum {self.min_chars})")
            ]
        if self.max_chars is not None and len(text) > self.max_chars:
            return [
                self._finding(
                    "TOO_LONG",
                    f"answer has {len(text)} characters (maximum {self.max_chars})",
                    (self.max_chars, len(text)),
                )
            ]
        return []

    def _structure(self, text: str) -> list[Finding]:
        body = extract_json(text)
        try:
            data = json.loads(body)
        except json.JSONDecodeError as exc:
            return [
                self._finding(
                    "INVALID_JSON",
                    f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                )
            ]
        if self.model is not None:
            try:
                self.model.model_validate(data)
            except ValidationError as exc:
                return [
                    self._finding(
                        "SCHEMA", f"field '{'.'.join(map(str, e['loc'])) or '(root)'}': {e['msg']}"
                    )
                    for e in exc.errors()
                ]
            return []
        assert self._validator is not None
        return [
            self._finding(
                "SCHEMA", f"field '{'.'.join(map(str, e.absolute_path)) or '(root)'}': {e.message}"
            )
            for e in sorted(
                self._validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
            )
        ]


def _schema_validator(schema: Mapping[str, Any]) -> Any:
    import jsonschema

    try:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"The output JSON schema is invalid: {exc.message}") from None
    return cls(schema)
