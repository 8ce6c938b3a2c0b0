"""Named integer codes (statuses, funding, provider settings) that numpy takes at full speed.

An ``IntEnum`` would do, but on Python 3.11 every numpy operation with an enum member as an
operand makes numpy probe the enum's metaclass for ``__array_ufunc__`` or
``__array_function__``, which costs about 6 microseconds a probe: tens of thousands of them
in a run. Here the codes are plain ints; ``Codes`` adds what the enum gave: iteration over
the codes, ``len``, and the named member of a code (``Status(3)`` is
``<Status.HOMECARE: 3>``).
"""

from __future__ import annotations

from enum import IntEnum


class Codes(type):
    """Metaclass for a class whose upper-case int attributes are its codes."""

    def __new__(mcs, name: str, bases: tuple, namespace: dict):
        cls = super().__new__(mcs, name, bases, namespace)
        cls.named = IntEnum(name, {key: value for key, value in namespace.items()
                                   if key.isupper() and isinstance(value, int)})
        return cls

    def __iter__(cls):
        """The codes, in order (plain ints: ``cls(code).name`` names one)."""
        return iter([int(member) for member in cls.named])

    def __len__(cls) -> int:
        return len(cls.named)

    def __call__(cls, value: int) -> IntEnum:
        """The named member of a code (equal to the code)."""
        return cls.named(value)
