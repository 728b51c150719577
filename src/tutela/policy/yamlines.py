"""YAML that remembers where things were written.

Policy authors need errors that point at the line of the bad rule
(`policy.yaml:14: rule 'x': ...`). `yaml.safe_load` throws positions away, so
we compose the node tree (which keeps marks) and build plain containers that
carry the line of every key and list item alongside the values.
"""

from __future__ import annotations

from typing import Any

import yaml


class YDict(dict):
    """A mapping with `line` (1-based, its own) and `key_lines` (line of each key)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    """A sequence with `line` and `item_lines` (line of each item)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _build(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<:` merge keys
        out = YDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = _build(key_node, loader)
            if isinstance(key, (dict, list)):
                raise YamlSyntaxError("a mapping key must be a plain value", key_node.start_mark.line + 1)
            if key in out:
                raise YamlSyntaxError(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            out[key] = _build(value_node, loader)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = YList()
        seq.line = node.start_mark.line + 1
        seq.item_lines = []
        for item in node.value:
            seq.append(_build(item, loader))
            seq.item_lines.append(item.start_mark.line + 1)
        return seq
    return loader.construct_object(node, deep=True)


def load(text: str) -> Any:
    """Parse one YAML document into YDict/YList/scalars; raises YamlSyntaxError with a line."""
    try:  # the reader refuses control characters already in the constructor
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML: {exc}", None) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _build(node, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(f"YAML syntax: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML: {exc}", None) from None
    finally:
        loader.dispose()
