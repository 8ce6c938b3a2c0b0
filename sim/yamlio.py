"""Strict, data-only YAML reading: safe tags only, duplicate keys refused, size bounded.

Input files (scenarios, targets, parameters) are plain data: only YAML's standard tags are
read (``!!python/...`` and other custom tags are refused, nothing is executed), and a
document may not expand, through anchors and aliases, beyond ``MAX_NODES`` values (a
"billion laughs" bomb), nest deeper than ``MAX_DEPTH`` or be bigger than ``MAX_BYTES``.
Every problem becomes an ``InputError`` naming the file (and line when known).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Problem, short_repr

#: Largest input file read, in bytes (the shipped ones are a few kilobytes).
MAX_BYTES = 1_000_000
#: Most values a document may hold once anchors and aliases are expanded.
MAX_NODES = 100_000
#: Deepest nesting of lists and mappings, aliases expanded.
MAX_DEPTH = 50
TAG_WORDS = {"!!timestamp": "a date", "!!int": "a whole number", "!!float": "a number",
             "!!bool": "true or false"}
LIMITS = (f"input files are plain data of at most {MAX_BYTES:,} bytes, {MAX_NODES:,} "
          f"values (aliases expanded) and {MAX_DEPTH} levels of nesting")


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys instead of keeping the last, and
    documents nested deeper than ``MAX_DEPTH`` while composing them."""

    def __init__(self, stream: str, name: str):
        super().__init__(stream)
        self.name = name
        self._depth = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Construct one value; a scalar that its tag cannot read (``2026-02-30``,
        ``!!int abc``) becomes an InputError at its line."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError,
                OverflowError) as exc:
            shown = f" {short_repr(node.value, 60)}" if isinstance(node, yaml.ScalarNode) else ""
            tag = node.tag.replace(yaml.resolver.Resolver.DEFAULT_SCALAR_TAG[:-3], "!!")
            kind = TAG_WORDS.get(tag, tag)
            why = f": {exc}" if isinstance(exc, ValueError) else ""
            raise InputError(Problem(self.name, "", f"cannot read the value{shown} as "
                                     f"{kind}{why}", node.start_mark.line + 1)) from None

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise InputError(Problem(self.name, "", f"nested more than {MAX_DEPTH} "
                                         f"levels deep; {LIMITS}", mark.line + 1))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())



def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise InputError(Problem(loader.name, "", "a key is a list or a mapping; keys "
                                     "must be plain text or numbers", line)) from None
        if key in seen:
            raise InputError(Problem(loader.name, str(key),
                                     f"duplicate key (first at line {seen[key]})", line))
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: yaml.Node, name: str) -> None:
    """Refuse a node graph that refers to itself, or expands (aliases repeat the nodes
    they refer to) beyond ``MAX_NODES`` values or ``MAX_DEPTH`` levels.

    Raises:
        InputError: naming the file and the line of the offending node.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) once expanded
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = [sizes[id(c)] for c in _children(node)]
            size = 1 + sum(k[0] for k in kids)
            depth = 1 + max((k[1] for k in kids), default=0)
            open_nodes.discard(key)
            if size > MAX_NODES or depth > MAX_DEPTH:
                raise InputError(Problem(name, "", f"anchors and aliases expand this document "
                                         f"beyond the limits; {LIMITS}",
                                         node.start_mark.line + 1))
            sizes[key] = (size, depth)
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise InputError(Problem(name, "", "an alias refers to the list or mapping that "
                                     "holds it (a recursive structure); input files are plain "
                                     "data", node.start_mark.line + 1))
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text strictly as plain data (``name``: the file or option it came from).

    Raises:
        InputError: malformed YAML, a duplicate key, an unsafe tag, or a document beyond
            the limits.
    """
    try:
        loader = _StrictLoader(text, name)
    except yaml.YAMLError as exc:  # characters YAML does not allow
        raise InputError(Problem(name, "", f"malformed YAML: {_one_line(exc)}")) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, name)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(Problem(name, "", _yaml_message(exc),
                                 mark.line + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(name, "", f"malformed YAML: {_one_line(exc)}")) from None
    except RecursionError:
        raise InputError(Problem(name, "", f"nested too deeply; {LIMITS}")) from None
    finally:
        loader.dispose()


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    problem = str(exc.problem)
    if isinstance(exc, yaml.constructor.ConstructorError) and "for the tag" in problem:
        tag = problem.split("for the tag", 1)[1].strip()
        return (f"the tag {tag} is not allowed: input files are plain data (text, numbers, "
                "dates, lists and mappings), and nothing in them is executed")
    return f"malformed YAML: {problem}"


def load_yaml(path: Path | str) -> Any:
    """Read one YAML file strictly, as plain data (``parse_yaml``).

    Raises:
        InputError: the file is missing, unreadable, too big, malformed, has a duplicate
            key or an unsafe tag, or expands beyond the limits.
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", "file not found")) from None
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"cannot read file: {exc}")) from None
    if len(data) > MAX_BYTES:
        raise InputError(Problem(str(path), "", f"more than {MAX_BYTES:,} bytes; {LIMITS}"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(str(path), "", f"not UTF-8 text ({exc.reason} at byte "
                                 f"{exc.start}); input files are YAML text")) from None
    return parse_yaml(text, str(path))
