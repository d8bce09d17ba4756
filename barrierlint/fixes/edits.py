"""Text edits on a document's original text, computed from the positions of its YAML nodes.

A fix never re-dumps a document: it replaces, removes or inserts a few characters at node
positions (`start_mark.index`, character offsets into `Document.text`), so comments, quoting,
key order, indentation and line endings outside the edited spans stay as they were. New text
follows its surroundings: flow collections get flow text, block collections get lines at the
indentation of their siblings, in the file's own line ending. Whatever cannot be edited that way
(an alias, a block scalar, a key sharing its line with others in block style) raises Unfixable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..source import Document

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,127}")  # what Harness accepts as an identifier


class Unfixable(Exception):
    """The text around a node cannot be edited safely; the message says why, in one line."""


@dataclass(frozen=True, order=True)
class Edit:
    """Replace `text[start:end]` (character offsets into `Document.text`) with `text`."""

    start: int
    end: int
    text: str


def apply(text: str, edits) -> str:
    """The text with non-overlapping edits applied (identical edits count once)."""
    out, cursor = [], 0
    for edit in sorted(set(edits)):
        if edit.start < cursor:
            raise Unfixable("edits overlap")
        out += [text[cursor : edit.start], edit.text]
        cursor = edit.end
    return "".join(out) + text[cursor:]


def overlaps(one, other) -> bool:
    """Two edit lists touch the same characters (identical edits merge, and insertions at one
    place are made one after the other)."""
    mine, theirs = set(one), set(other)
    return any(a.start < b.end and b.start < a.end for a in mine - theirs for b in theirs - mine)


def node(doc: Document, route: tuple) -> Node:
    """The node at a route, written where its parent is written (not reached through an alias)."""
    current = doc.node_at(route[:1])
    if current is None:
        raise Unfixable("the place to edit is not in the file")
    for depth in range(2, len(route) + 1):
        found = doc.node_at(route[:depth])
        if found is None:
            raise Unfixable("the place to edit is not in the file")
        if not (current.start_mark.index <= found.start_mark.index and found.end_mark.index <= current.end_mark.index) or _aliased(current, route[depth - 1], found):
            raise Unfixable("the place to edit is written through a YAML alias")
        current = found
    return current


def _aliased(parent: Node, step, found: Node) -> bool:
    """An alias of a node anchored earlier in the same collection: it carries the anchor's
    position, which does not come after the sibling before it."""
    if isinstance(parent, SequenceNode) and isinstance(step, int) and step > 0:
        return found.start_mark.index <= parent.value[step - 1].start_mark.index
    if isinstance(parent, MappingNode):
        for number, (key, value) in enumerate(parent.value):
            if value is found:
                return found.start_mark.index <= key.start_mark.index
    return False


def newline(text: str) -> str:
    match = re.search(r"\r\n|\n|\r", text)
    return match.group() if match else "\n"


def _line_start(text: str, index: int) -> int:
    return max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1


def _line_end(text: str, index: int) -> int:
    """Where the line holding `index` ends, before its line break."""
    match = re.compile(r"[\r\n]").search(text, index)
    return match.start() if match else len(text)


def _after_break(text: str, index: int) -> int:
    """`index` (a line end) moved past its line break."""
    return index + (2 if text.startswith("\r\n", index) else 1 if index < len(text) else 0)


def content_end(doc: Document, item: Node) -> int:
    """Where a node's own text ends: its last character, before the blank lines and comments that
    a block collection's end mark reaches over."""
    while isinstance(item, (MappingNode, SequenceNode)) and not item.flow_style and item.value:
        last = item.value[-1]
        if isinstance(item, MappingNode):
            key, value = last
            if value.end_mark.index <= key.end_mark.index:  # `key:` with nothing after it
                return key.end_mark.index + 1
            last = value
        if _aliased(item, len(item.value) - 1, last) or last.start_mark.index < item.start_mark.index:
            raise Unfixable("the text ends with a YAML alias")
        item = last
    end = item.end_mark.index
    text = doc.text
    while end > item.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _entry(mapping: MappingNode, key: str) -> tuple[int, ScalarNode, Node]:
    """The position, key and value of a mapping entry (the last of duplicates, as the model reads)."""
    found = [(number, k, v) for number, (k, v) in enumerate(mapping.value) if isinstance(k, ScalarNode) and k.value == key]
    if not found:
        raise Unfixable(f"no key '{key}' to edit")
    return found[-1]


PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|\d+|\d+[smhd](?: ?\d+[smhd])*")  # identifiers, numbers, durations


def scalar_text(value: str, style: str | None = None) -> str:
    """A value fixes write (an identifier, a number, a duration, true), in a quoting style."""
    if not PLAIN.fullmatch(value):
        raise Unfixable(f"'{value}' is not a plain identifier, number or duration")
    return f"{style}{value}{style}" if style in ("'", '"') else value


def replace_scalar(doc: Document, route: tuple, value: str) -> Edit:
    """Replace a scalar's value, in the scalar's own quoting style."""
    found = node(doc, route)
    if not isinstance(found, ScalarNode) or found.style in ("|", ">"):
        raise Unfixable("the value to replace is not a one-line scalar")
    if doc.text[found.start_mark.index] in "&!":
        raise Unfixable("the value to replace carries an anchor or a tag")
    return Edit(found.start_mark.index, found.end_mark.index, scalar_text(value, found.style))


def remove(doc: Document, route: tuple) -> Edit:
    """Remove a mapping entry (the route ends in its key) or a sequence item (an index)."""
    node(doc, route)  # written there, not an alias
    parent = node(doc, route[:-1])
    text = doc.text
    if isinstance(parent, MappingNode) and isinstance(route[-1], str):
        number = _entry(parent, route[-1])[0]

        def span(at: int) -> tuple[int, int]:
            k, v = parent.value[at]
            return k.start_mark.index, max(content_end(doc, v), k.end_mark.index)

    elif isinstance(parent, SequenceNode) and isinstance(route[-1], int) and 0 <= route[-1] < len(parent.value):
        number = route[-1]

        def span(at: int) -> tuple[int, int]:
            return parent.value[at].start_mark.index, content_end(doc, parent.value[at])

    else:
        raise Unfixable("the place to remove is not in the file")
    count = len(parent.value)
    spans = {at: span(at) for at in (number - 1, number, number + 1) if 0 <= at < count}  # the entry and its neighbours
    start, end = spans[number]
    if parent.flow_style:
        if count == 1:
            return Edit(start, end, "")
        if number + 1 < count:
            return Edit(start, spans[number + 1][0], "")
        return Edit(spans[number - 1][1], end, "")
    line = _line_start(text, start)
    prefix = text[line:start]
    if isinstance(parent, SequenceNode):
        if not re.fullmatch(r"[ ]*-[ ]+", prefix):
            raise Unfixable("the item to remove shares its line with other text")
        if count == 1:
            holder = node(doc, route[:-2]) if len(route) > 2 else None
            if not isinstance(holder, MappingNode) or not isinstance(route[-2], str):
                raise Unfixable("the only item of a list that is not a mapping value")
            _, key, _ = _entry(holder, route[-2])
            return Edit(key.end_mark.index, _line_end(text, end), ": []")
        return _whole_lines(text, line, end)
    if not prefix.strip():
        if count == 1:
            raise Unfixable("the only entry of a mapping")
        return _whole_lines(text, line, end)
    if re.fullmatch(r"[ ]*-[ ]+", prefix) and number + 1 < count:
        return Edit(start, spans[number + 1][0], "")  # the next key moves up beside the dash
    raise Unfixable("the entry to remove shares its line with other text")


def _whole_lines(text: str, line: int, end: int) -> Edit:
    """The lines from `line` through the one holding `end`, with their line breaks."""
    stop = _line_end(text, end)
    if stop < len(text):
        return Edit(line, _after_break(text, stop), "")
    before = line - (2 if text[max(0, line - 2) : line] == "\r\n" else 1) if line else 0
    return Edit(max(0, before), stop, "")


def insert_key(doc: Document, route: tuple, key: str, value: str | list[str]) -> Edit:
    """Add `key: value` at the end of the mapping at `route`. `value` is a scalar's text, or the
    lines of a block value (indented below the key by the file's step)."""
    mapping = node(doc, route)
    if not isinstance(mapping, MappingNode):
        raise Unfixable("the place to add a key is not a mapping")
    text = doc.text
    if mapping.flow_style:
        if not isinstance(value, str):
            raise Unfixable("a block value cannot go into a flow mapping")
        if mapping.value:
            end = max(content_end(doc, mapping.value[-1][1]), mapping.value[-1][0].end_mark.index)
            return Edit(end, end, f", {key}: {value}")
        opening = mapping.start_mark.index + 1
        return Edit(opening, opening, f"{key}: {value}")
    first = mapping.value[0][0]
    indent = " " * (first.start_mark.index - _line_start(text, first.start_mark.index))
    end = _line_end(text, content_end(doc, mapping))
    nl = newline(text)
    if isinstance(value, str):
        return Edit(end, end, f"{nl}{indent}{key}: {value}")
    step = " " * indent_step(doc)
    return Edit(end, end, f"{nl}{indent}{key}:" + "".join(f"{nl}{indent}{step}{line}" for line in value))


def append_item(doc: Document, route: tuple, flow: str, block: list[str]) -> Edit:
    """Add an item at the end of the sequence at `route`: `flow` text in a flow sequence or when
    the items are written in flow style, else the `block` lines after a dash."""
    sequence = node(doc, route)
    if not isinstance(sequence, SequenceNode):
        raise Unfixable("the place to add an item is not a list")
    text = doc.text
    if sequence.flow_style or not sequence.value:
        if sequence.value:
            end = content_end(doc, sequence.value[-1])
            return Edit(end, end, f", {flow}")
        opening = sequence.start_mark.index + 1
        return Edit(opening, opening, flow)
    first = sequence.value[0]
    line = _line_start(text, first.start_mark.index)
    prefix = text[line : first.start_mark.index]
    if not re.fullmatch(r"[ ]*-[ ]+", prefix):
        raise Unfixable("the list's first item shares its line with other text")
    dash, column = prefix.index("-"), len(prefix)
    lines = [flow] if isinstance(first, (MappingNode, SequenceNode)) and first.flow_style else block
    end = _line_end(text, content_end(doc, sequence))
    nl = newline(text)
    written = f"{nl}{' ' * dash}-{' ' * (column - dash - 1)}{lines[0]}" + "".join(f"{nl}{' ' * column}{rest}" for rest in lines[1:])
    return Edit(end, end, written)


def swap(doc: Document, one: tuple, other: tuple) -> list[Edit]:
    """Exchange the text of two sequence items written at the same column (two steps)."""
    first, second = node(doc, one), node(doc, other)
    text = doc.text
    spans = []
    for item in (first, second):
        start = item.start_mark.index
        spans.append((start, content_end(doc, item), start - _line_start(text, start)))
    (a_start, a_end, a_column), (b_start, b_end, b_column) = sorted(spans)
    if a_column != b_column:
        raise Unfixable("the two steps are written at different indentations")
    if b_start < a_end:
        raise Unfixable("one step holds the other")
    return [Edit(a_start, a_end, text[b_start:b_end]), Edit(b_start, b_end, text[a_start:a_end])]


def indent_step(doc: Document) -> int:
    """The file's indentation step: the smallest positive indentation of a line (2 if none)."""
    found = [len(m.group(1)) for m in re.finditer(r"^( +)[^ \r\n#]", doc.text[:20_000], re.M)]
    return min(found) if found else 2
