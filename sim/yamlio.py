"""Strict YAML reading: duplicate keys and syntax errors become InputErrors with a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Problem


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys instead of keeping the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise InputError(Problem(loader.name, str(key),
                                     f"duplicate key (first at line {seen[key]})", line))
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path | str) -> Any:
    """Read one YAML file strictly.

    Raises:
        InputError: the file is missing, unreadable, malformed or has a duplicate key.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", "file not found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), "", f"cannot read file: {exc}")) from None
    loader = _StrictLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(Problem(str(path), "", f"malformed YAML: {exc.problem}",
                                 mark.line + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(str(path), "", f"malformed YAML: {exc}")) from None
    finally:
        loader.dispose()
