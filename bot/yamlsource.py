"""YAML read with its node tree kept, so every problem can be reported with the line it comes from."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# The libyaml parser is several times faster; the pure-Python one gives the same results.
Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Loc = tuple[str | int, ...]


def compose_and_construct(text: str) -> tuple[Node | None, Any]:
    """The document's node tree and its plain Python value (``(None, None)`` for an empty document)."""
    loader = Loader(text)
    try:
        root: Node | None = loader.get_single_node()
        if root is None:
            return None, None
        return root, loader.construct_document(root)
    finally:
        loader.dispose()


def yaml_error_line(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """The 1-based line of a YAML syntax error, if known, and a one-line description."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = _mistake_mark(exc)
        detail = "; ".join(part for part in (exc.context, exc.problem) if part)
        return (mark.line + 1 if mark is not None else None), (detail or str(exc))
    return None, str(exc)


def _mistake_mark(exc: yaml.MarkedYAMLError) -> yaml.Mark | None:
    """Where the writer made the mistake, as a 0-based mark.

    A token left open (a quote, a key without its colon, a ``[`` or ``{``) is noticed only at the next token,
    usually on the following line: the problem mark points there, the context mark at the opening, which is the
    line to fix. Inside a block collection the context is the collection's first line and the problem mark is
    the misplaced line itself.
    """
    context = exc.context or ""
    opened = context.startswith("while scanning") or context.startswith("while parsing a flow")
    if opened and exc.context_mark is not None:
        return exc.context_mark
    return exc.problem_mark or exc.context_mark


def line_of(root: Node, loc: Loc) -> int:
    """The 1-based line of the node at ``loc``, or of its deepest existing ancestor.

    A mapping entry is located at its key, which is where a reader looks for it even when the value starts on a
    later line.
    """
    node = root
    line = root.start_mark.line
    for part in loc:
        if isinstance(node, MappingNode) and isinstance(part, str):
            match = None
            # The last occurrence wins, as it does when the mapping is constructed.
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == part:
                    match = (key, value)
            if match is None:
                break
            line = match[0].start_mark.line
            node = match[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1
