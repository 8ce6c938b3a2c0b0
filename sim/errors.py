"""Input errors that name the file and key, and say what would be valid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is and what would be valid."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key}: {self.message}"


class InputError(Exception):
    """Bad user input (scenario, parameter, option or folder): one or more problems."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters (ending "...") for error messages."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters for error messages."""
    return shorten(repr(value), limit)


def looks_numeric(text: str) -> bool:
    """Whether Python reads ``text`` as a number (YAML may have read it as text, e.g.
    ``1e3``): for a hint in the message."""
    try:
        float(text)
    except ValueError:
        return False
    return True
