"""The one checked YAML loader for every file the package or a user gives it.

Scenarios, sweep specs, calibration profiles and specs, and the catalogue are
all read through :func:`read_yaml` (a file) or :func:`parse_yaml` (text or
bytes, e.g. an upload). Both use PyYAML's safe loader only (the C one when
available) and refuse, with a one-line :class:`YamlInputError`:

* a missing file or a directory given as a file;
* text that is not UTF-8;
* a document over :data:`MAX_YAML_BYTES` (1 MB);
* a YAML syntax error (the message gives line and column);
* nesting deeper than :data:`MAX_DEPTH` levels;
* aliases that would expand to more than :data:`MAX_NODES` nodes (a
  "billion laughs" document), or that refer to themselves;
* a top level that is not a mapping (or is empty), when a mapping is expected.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from simulator.errors import YamlFileNotFoundError, YamlInputError, yaml_problem

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_YAML_BYTES",
    "YamlFileNotFoundError",
    "YamlInputError",
    "parse_yaml",
    "read_yaml",
]

#: Largest YAML document accepted, in bytes.
MAX_YAML_BYTES = 1_000_000
#: Deepest nesting of mappings and sequences accepted.
MAX_DEPTH = 100
#: Most nodes a document may hold once its aliases are expanded.
MAX_NODES = 1_000_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def read_yaml(
    path: str | os.PathLike, what: str = "YAML file", *, mapping: bool = True
) -> object:
    """Read and parse one YAML file with the checks listed in the module docstring.

    Parameters
    ----------
    path : str or path-like
        The file.
    what : str
        How to name the file when it is missing, e.g. ``"scenario file"``.
    mapping : bool, default True
        Require the top level to be a mapping (an empty file is refused too).

    Returns
    -------
    object
        The parsed document (a dict when ``mapping``).

    Raises
    ------
    YamlFileNotFoundError
        If the file does not exist (also a ``FileNotFoundError``).
    YamlInputError
        For any other problem; the message starts with the path.
    """
    path = Path(path)
    if not path.exists():
        raise YamlFileNotFoundError(f"{what} not found: '{path}'")
    if path.is_dir():
        raise YamlInputError(f"{path}: is a directory, not a {what}")
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise YamlInputError(f"{path}: {size} bytes is larger than the {MAX_YAML_BYTES}-byte limit")
    return parse_yaml(path.read_bytes(), what=str(path), mapping=mapping)


def parse_yaml(text: str | bytes, what: str = "<text>", *, mapping: bool = True) -> object:
    """Parse a YAML document with the checks listed in the module docstring.

    Parameters
    ----------
    text : str or bytes
        The document (bytes must be UTF-8).
    what : str
        Where it comes from (a file name, ``"upload"``); every message starts with it.
    mapping : bool, default True
        Require the top level to be a mapping (an empty document is refused too).

    Returns
    -------
    object
        The parsed document.

    Raises
    ------
    YamlInputError
        If the document is refused; one line naming ``what`` and the problem.
    """
    if len(text) > MAX_YAML_BYTES:
        raise YamlInputError(f"{what}: larger than the {MAX_YAML_BYTES}-byte limit")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise YamlInputError(
                f"{what}: not UTF-8 text ({error.reason} at byte {error.start})"
            ) from None
    try:
        _check_depth(text, what)
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _check_size(node, what)
            data = None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        if "maximum nesting depth" in str(error):  # libyaml's own limit (1000) came first
            raise YamlInputError(f"{what}: nested deeper than {MAX_DEPTH} levels") from None
        problem = yaml_problem(_python_error(text, error))
        raise YamlInputError(f"{what}: not valid YAML{problem}") from None
    except RecursionError:
        raise YamlInputError(f"{what}: nested deeper than {MAX_DEPTH} levels") from None
    if mapping:
        if data is None:
            raise YamlInputError(f"{what}: the document is empty; a mapping of keys to values"
                                 " is expected")
        if not isinstance(data, dict):
            raise YamlInputError(
                f"{what}: the top level must be a mapping of keys to values,"
                f" not a {_kind(data)}"
            )
    return data


def _python_error(text: str, error: yaml.YAMLError) -> yaml.YAMLError:
    """Return the pure-Python parser's error for ``text``: its positions and wording are clearer."""
    if _LOADER is yaml.SafeLoader:
        return error
    try:
        for _ in yaml.parse(text, Loader=yaml.SafeLoader):
            pass
    except yaml.YAMLError as python_error:
        return python_error
    return error


def _check_depth(text: str, what: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH from the event stream, before composing."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise YamlInputError(
                    f"{what}: nested deeper than {MAX_DEPTH} levels"
                    f" at line {mark.line + 1}, column {mark.column + 1}"
                )
        elif isinstance(event, _CLOSE):
            depth -= 1


def _check_size(root: yaml.Node, what: str) -> None:
    """Refuse a node graph whose aliases expand too far (or deep, or into a cycle)."""
    done: dict[int, tuple[int, int]] = {}  # id -> (expanded nodes, depth)
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            active.discard(key)
            kids = [done[id(k)] for k in _children(node)]
            size = 1 + sum(s for s, _ in kids)
            depth = 1 + max((d for _, d in kids), default=0)
            if size > MAX_NODES:
                raise YamlInputError(
                    f"{what}: its aliases expand to more than {MAX_NODES} nodes"
                    " (refused as an alias bomb)"
                )
            if depth > MAX_DEPTH + 1:
                raise YamlInputError(f"{what}: nested deeper than {MAX_DEPTH} levels (via aliases)")
            done[key] = (size, depth)
            continue
        if key in done:
            continue
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(node, what)
        if key in active:
            raise YamlInputError(f"{what}: an alias refers to a node that contains it")
        active.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in done)


def _check_duplicates(node: yaml.MappingNode, what: str) -> None:
    """Refuse a mapping that gives one key twice (PyYAML would keep the last silently)."""
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        line = key.start_mark.line + 1
        if key.value in seen:
            raise YamlInputError(
                f"{what}: duplicate key {key.value!r} at lines {seen[key.value]} and {line}"
            )
        seen[key.value] = line


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    return type(value).__name__
