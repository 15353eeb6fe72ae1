"""Exceptions raised by usecase-kit: one root, a few subclasses, messages that say how to fix.

UsecaseKitError                 every error meant for a user; the CLI prints it without a traceback
├── InputError                  a file a user supplied is wrong (names file, row, field and the fix)
├── ConfigError                 a setting is missing or wrong (e.g. an API key variable)
├── ProviderError               a model call failed in a way the run cannot absorb
├── PricingError                a model has no price, or a price file is malformed
└── OutputError                 a file or folder cannot be written (names the path and the fix)

(A failed pack is not an exception: it is a record, its page and a row of the index.)
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InputError",
    "OutputError",
    "PricingError",
    "ProviderError",
    "UsecaseKitError",
]


class UsecaseKitError(Exception):
    """Root of every error usecase-kit raises on purpose."""


class InputError(UsecaseKitError):
    """A user-supplied file or value is invalid.

    ``problems`` holds one line per problem, each naming where it is (file, row, field).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        full = (
            message
            if not self.problems
            else message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        )
        super().__init__(full)


class ConfigError(UsecaseKitError):
    """A setting is missing or invalid; the message names the variable or file to set."""


class ProviderError(UsecaseKitError):
    """A model provider failed in a way a run cannot recover from (bad key, unknown model)."""


class PricingError(UsecaseKitError):
    """A model is unpriced or a price catalogue is malformed."""


class OutputError(UsecaseKitError):
    """A file or folder cannot be written (read-only, full, a file where a folder should be)."""
