"""A feed page's indicators as RFC 8785 canonical JSON, written from templates (issue 14, the source's page).

Why: a full sync serves a million indicators. Making a `Signal` of each row, an indicator dict of each
`Signal` (`stix.to_indicator`), then sorting and serialising every dict (`jose.canonical`), cost the
source ~7 us a signal of the ~17 its page took (`bundles.page_bytes`, the rest mostly reading the rows
and the signature). An indicator has one of a few shapes (which optional members it carries), and in
canonical form each shape is fixed text with the signal's values in fixed places. So each shape is
canonicalised once, from `stix.indicator` filled with placeholders (the layout stays in one place), and
becomes a `%`-template; a page is then one string format per signal.

What makes the output canonical, not merely similar:

- The template *is* the canonical form of the shape (made by `jose.canonical`), so member order and
  the fixed text are RFC 8785's.
- A string value is written as RFC 8785 writes it: as is when it is printable ASCII without `"` or `\\`
  (checked per column of the page, at C speed), else escaped by orjson, which escapes exactly as
  RFC 8785 does (`"`, `\\`, control characters; other characters as UTF-8: `jose.canonical` relies on
  the same).
- Integers (confidence, feed position) are written as is only when they are `int` within 53 bits;
  provenance (free-form JSON) goes through `jose.canonical` once per distinct object of the page.
- Any signal with a value that fits none of this is written by the generic path
  (`jose.canonical(stix.to_indicator(...))`), so the result never depends on the fast path's reach.

`tests/exchange/test_pagejson.py` holds the output byte-equal to the `rfc8785` package's on varied
signals (unicode, escapes, numbers, tombstones, every optional member).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from typing import Any

import orjson

from tutela.exchange import jose, stix
from tutela.exchange.stix import Signal

#: the members a template has holes for, in the order a row gives them; `pattern` is the pattern's text
#: before the value (per signal type), the value follows it (see `_pattern_prefix`)
_STRINGS = ("stix_id", "category", "signal_type", "value", "first_seen", "last_seen", "modified",
            "marking", "pattern", "content_type", "group", "country", "created_by", "valid_until")
_RAW = ("seq", "confidence", "provenance")  # written as JSON text of their own (numbers, an object)
_MEMBERS = _STRINGS + _RAW
_OPTIONAL = ("content_type", "group", "country", "provenance", "created_by", "valid_until", "revoked")
#: every `Signal` field, in its order, in one C-level getter
_read = operator.attrgetter(*(f.name for f in dataclasses.fields(Signal)))
_MAX_SAFE_INT = 2**53 - 1
_PATTERN_END = "']"

#: shape (which optional members are present) -> (template, the member indices its holes take, in order)
_TEMPLATES: dict[tuple[bool, ...], tuple[str, tuple[int, ...]]] = {}
#: signal type -> its pattern's text before the value
_PREFIXES: dict[str, str] = {}


class _Generic(Exception):
    """A value the templates do not cover: the page is written by the generic path."""


def _template(shape: tuple[bool, ...]) -> tuple[str, tuple[int, ...]]:
    """The `%`-template of one shape: `stix.indicator` filled with placeholder strings, canonicalised,
    each placeholder then replaced by `%s` (a string's inside its quotes, a raw member's with them),
    and which member (index in `_MEMBERS`) fills each hole, in text order."""
    found = _TEMPLATES.get(shape)
    if found is not None:
        return found
    present = dict(zip(_OPTIONAL, shape, strict=True))
    marks = {name: f"@@{i}@@" for i, name in enumerate(_MEMBERS) if name not in present or present[name]}
    args = dict(marks, pattern=marks["pattern"] + marks["value"] + _PATTERN_END)
    text = jose.canonical(stix.indicator(**args, revoked=present["revoked"])).decode("ascii")
    holes = []  # (position in the canonical text, member index): first seen and the value fill two or three
    for name, mark in marks.items():
        pos = text.find(mark)
        while pos >= 0:
            holes.append((pos, _MEMBERS.index(name)))
            pos = text.find(mark, pos + 1)
    text = text.replace("%", "%%")
    for name, mark in marks.items():
        text = text.replace(mark, "%s") if name in _STRINGS else text.replace(f'"{mark}"', "%s")
    _TEMPLATES[shape] = found = (text, tuple(i for _, i in sorted(holes)))
    return found


def _pattern_prefix(signal_type: str) -> str:
    """A signal type's pattern before the value, when its pattern is that text, the value, then `']`
    (every type's is: `stix.pattern_for`); else the generic path."""
    found = _PREFIXES.get(signal_type)
    if found is None:
        head, _, tail = stix.pattern_for(signal_type, "@@").partition("@@")
        if tail != _PATTERN_END or stix.pattern_for(signal_type, "") != head + _PATTERN_END:
            raise _Generic(signal_type)
        found = _PREFIXES[signal_type] = head
    return found


def _plain(text: str) -> bool:
    """Whether a string is written in JSON as it is: printable ASCII, no quote, no backslash."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def _json(value: Any, optional: bool = False) -> Any:
    """A string's JSON text without its quotes, as RFC 8785 writes it (orjson escapes as it does);
    an absent optional member (None or empty) stays as it is, for the shape to leave out."""
    if type(value) is not str:
        if optional and value is None:
            return None
        raise _Generic(value)
    if not value or _plain(value):
        return value
    return orjson.dumps(value).decode("utf-8")[1:-1]


def _distinct(convert: Any, values: list[Any], optional: bool = False) -> tuple[list[Any], set[bool]]:
    """A column of few distinct values (times, categories, levels) as JSON text, each distinct value
    converted once; and which presences it holds (for the shape)."""
    memo = {v: _json(convert(v), optional) for v in set(values)}
    return list(map(memo.__getitem__, values)), {bool(t) for t in memo.values()}


def _unique(values: list[Any]) -> list[Any]:
    """A column of mostly distinct strings (ids, values) as JSON text: one check over the column
    joined, then escapes only if some value needs them."""
    if set(map(type, values)) != {str}:
        raise _Generic("not strings")
    if _plain("".join(values)):
        return values
    return list(map(_json, values))


def _ints(values: list[Any]) -> list[Any]:
    if set(map(type, values)) != {int} or min(values) < -_MAX_SAFE_INT or max(values) > _MAX_SAFE_INT:
        raise _Generic("not integers of 53 bits")
    return values


def _same(value: Any) -> Any:
    return value


def _time(value: Any) -> Any:
    return None if value is None else stix.stix_time(value)


def indicators(signals: Sequence[Signal], *, created_by: str | None = None) -> bytes:
    """The canonical JSON of each signal's indicator (`stix.to_indicator(s, created_by=...)`), joined
    by commas: the page's part of a bundle's `objects` list. Empty for none."""
    if not signals:
        return b""
    return columns_json([list(c) for c in zip(*map(_read, signals), strict=True)], created_by=created_by)


def columns_json(columns: list[list[Any]], *, created_by: str | None = None) -> bytes:
    """`indicators` of a page given as columns, one per `Signal` field in its order (`feed.PageColumns`):
    a page served is written from the database's columns without a `Signal` a row."""
    if not columns or not columns[0]:
        return b""
    try:
        return _columns_json(columns, created_by)
    except (_Generic, TypeError):  # TypeError: an unhashable value; the generic path decides
        return b",".join(jose.canonical(stix.to_indicator(s, created_by=created_by))
                         for s in stix.signals_of_columns(columns))


def _columns_json(page: list[list[Any]], created_by: str | None) -> bytes:
    (ids, types, value, category, confidence, level, first, last, modified, seq, content_type, group, country,
     expires, provenance, deleted) = page
    kept = {id(p): p for p in provenance}  # a page shares a handful of provenance objects
    texts = {k: jose.canonical(p).decode("utf-8") if p else None for k, p in kept.items()}
    provenance = list(map(texts.__getitem__, map(id, provenance)))
    presence: list[Any] = []  # per optional member: its name, and which presences its column holds
    cols: dict[str, list[Any]] = {"stix_id": _unique(ids), "value": _unique(value)}
    for name, convert, col in (
        ("category", _same, category), ("signal_type", _same, types), ("first_seen", stix.stix_time, first),
        ("last_seen", stix.stix_time, last), ("modified", stix.stix_time, modified),
        ("marking", stix.TLP_MARKINGS.__getitem__, level), ("pattern", _pattern_prefix, types),
    ):
        cols[name] = _distinct(convert, col)[0]
    for name, convert, col in (
        ("content_type", _same, content_type), ("group", _same, group), ("country", _same, country),
        ("valid_until", _time, expires),
    ):
        cols[name], holds = _distinct(convert, col, optional=True)
        presence.append((name, holds))
    creator = _json(created_by or None, optional=True)
    cols["created_by"] = [creator] * len(ids)
    presence.append(("created_by", {bool(creator)}))
    cols["seq"], cols["confidence"] = _ints(seq), _ints(confidence)
    cols["provenance"] = provenance
    presence.append(("provenance", {bool(t) for t in texts.values()}))
    revoked = list(map(bool, deleted))
    cols["revoked"] = revoked
    presence.append(("revoked", set(revoked)))
    ordered = [cols[name] for name in _MEMBERS]
    held = dict(presence)
    if all(len(h) == 1 for h in held.values()):  # one shape for the whole page: the usual case
        text, holes = _template(tuple(next(iter(held[name])) for name in _OPTIONAL))
        out = list(map(text.__mod__, zip(*(ordered[i] for i in holes), strict=True)))
    else:
        out = []
        shapes = zip(*(map(bool, cols[name]) for name in _OPTIONAL), strict=True)
        for shape, row in zip(shapes, zip(*ordered, strict=True), strict=True):
            text, holes = _template(shape)
            out.append(text % tuple([row[i] for i in holes]))
    return ",".join(out).encode("utf-8")
