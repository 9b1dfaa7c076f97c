"""Customer text made safe to show: control and bidi characters escaped visibly, very long
values cut. One rule for every display path (the app, the CLI's text, PDF, XLSX), as a
Python function and as a polars expression that give the same result.

Escaped, each to a visible stand-in (nothing else is touched):

- C0 controls U+0000–U+001F → their Control Pictures U+2400–U+241F (ESC → ␛, BEL → ␇,
  LF → ␊, TAB → ␉): a name holding `ESC ] 0 ; pwned BEL` shows as `␛]0;pwned␇`;
- DEL U+007F → ␡ (U+2421);
- C1 controls U+0080–U+009F → `<U+009B>` (U+009B is a one-character CSI to some
  terminals);
- bidi formatting characters → `<U+202E>`: ALM U+061C, LRM/RLM U+200E/U+200F, the
  embeddings and overrides LRE, RLE, PDF, LRO, RLO U+202A–U+202E, the isolates LRI,
  RLI, FSI, PDI U+2066–U+2069 (they reorder the text around them on screen);
- LINE and PARAGRAPH SEPARATOR U+2028/U+2029 → `<U+2028>` (line breaks to Python's
  `splitlines` and to some terminals).

Zero-width spaces and joiners are left alone: they do nothing to a terminal, and joiners
are part of many scripts and emoji. `notation="codes"` writes every escaped character as
`<U+XXXX>` (for a PDF whose fonts lack the Control Pictures).

A value longer than `limit` characters is cut with an ellipsis that says so:
`… (cut, 10,000,000 characters)` (the length counted is the value's own, before
escaping); the result is never longer than `limit`.

JSON keeps every string exact but writes these characters (C0 is escaped by any JSON
encoder already) as `\\uXXXX` escapes: `json_text` and `json_bytes`.

This module imports nothing from famtriage: every layer may use it. polars is imported
only by the expressions, so a command that prints a line stays quick to start.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

DISPLAY_LIMIT = 2_000
"""Characters of one value shown on a screen, a line of CLI text or a PDF."""
MIN_LIMIT = 64
"""The smallest limit: the cut note must fit."""
HEADING_LIMIT = 120
"""Characters of a value in a heading (a family's name above its record): a long email
shows whole, a huge name takes a line or two."""
XLSX_LIMIT = 32_767
"""Characters an Excel cell holds."""

_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_SEPARATORS = (0x2028, 0x2029)
ESCAPED_CODES: tuple[int, ...] = (
    *range(0x00, 0x20),
    0x7F,
    *range(0x80, 0xA0),
    *_BIDI,
    *_SEPARATORS,
)
"""Every character the rule escapes, by code point."""


def _code(point: int) -> str:
    return f"<U+{point:04X}>"


def _picture(point: int) -> str:
    if point < 0x20:
        return chr(0x2400 + point)
    if point == 0x7F:
        return "\u2421"
    return _code(point)


PICTURES: dict[str, str] = {chr(p): _picture(p) for p in ESCAPED_CODES}
"""Character → what is shown instead (the default notation)."""
CODES: dict[str, str] = {chr(p): _code(p) for p in ESCAPED_CODES}
"""Character → `<U+XXXX>` (the `code` notation)."""
NOTATIONS = {"pictures": PICTURES, "codes": CODES}

PATTERN = "[" + "".join(f"\\u{p:04x}" for p in ESCAPED_CODES) + "]"
"""A regex class matching any escaped character (Python `re` and polars alike)."""
_FOUND = re.compile(PATTERN)
_TABLES = {name: str.maketrans(mapping) for name, mapping in NOTATIONS.items()}


def has_escaped(text: str) -> bool:
    """Whether `text` holds a character the rule escapes."""
    return _FOUND.search(text) is not None


def without_escaped(text: str) -> str:
    """`text` with every character the rule escapes dropped (for what a person types)."""
    return _FOUND.sub("", text) if has_escaped(text) else text


def escape(text: str, notation: str = "pictures") -> str:
    """`text` with every control and bidi character replaced by its visible stand-in."""
    return text.translate(_TABLES[notation])


def cut_note(length: int) -> str:
    """What ends a cut value: "… (cut, 10,000,000 characters)"."""
    return f"… (cut, {length:,} characters)"


def display(text: str, limit: int | None = DISPLAY_LIMIT, notation: str = "pictures") -> str:
    """`text` escaped, and cut with a note when longer than `limit` (None: never cut)."""
    if limit is None:
        return escape(text, notation)
    _check(limit)
    shown = escape(text[:limit], notation)
    if len(text) <= limit and len(shown) <= limit:
        return shown
    note = cut_note(len(text))
    return shown[: limit - len(note)] + note


def is_cut(text: str, limit: int) -> bool:
    """Whether `display(text, limit)` cuts the value."""
    _check(limit)
    return len(text) > limit or len(escape(text[:limit])) > limit


def display_lines(text: str, limit: int | None = DISPLAY_LIMIT) -> str:
    """A message of several lines (joined by LF): each line shown by `display`.

    For sentences famtriage writes around customer values; a value shown on its own
    goes through `display`, so an LF inside it shows as ␊.
    """
    return "\n".join(display(line, limit) for line in text.split("\n"))


def _check(limit: int) -> None:
    if limit < MIN_LIMIT:
        raise ValueError(f"a display limit is at least {MIN_LIMIT} characters, not {limit}")


def escape_expr(expr: pl.Expr, notation: str = "pictures") -> pl.Expr:
    """`escape` over a String column, in bulk."""
    return expr.str.replace_many(NOTATIONS[notation])


def _thousands(n: pl.Expr) -> pl.Expr:
    """A non-negative integer with thousands separators ("10,000,000")."""
    import polars as pl

    digits = n.cast(pl.String).str.reverse()
    return digits.str.replace_all(r"(\d{3})", "${1},").str.strip_chars_end(",").str.reverse()


def display_expr(
    expr: pl.Expr, limit: int | None = DISPLAY_LIMIT, notation: str = "pictures"
) -> pl.Expr:
    """`display` over a String column, in bulk (nulls stay null)."""
    import polars as pl

    if limit is None:
        return escape_expr(expr, notation)
    _check(limit)
    length = expr.str.len_chars()
    shown = escape_expr(expr.str.slice(0, limit), notation)
    note = pl.lit("… (cut, ") + _thousands(length) + pl.lit(" characters)")
    cut = shown.str.slice(0, pl.lit(limit) - note.str.len_chars()) + note
    over = (length > limit) | (shown.str.len_chars() > limit)
    return pl.when(over).then(cut).otherwise(shown)


def cut_expr(expr: pl.Expr, limit: int) -> pl.Expr:
    """`is_cut` over a String column (false for null)."""
    _check(limit)
    over = (expr.str.len_chars() > limit) | (
        escape_expr(expr.str.slice(0, limit)).str.len_chars() > limit
    )
    return over.fill_null(False)


# JSON --------------------------------------------------------------------------------

_JSON_CODES = tuple(p for p in ESCAPED_CODES if p >= 0x20)
"""C0 never appears raw in a JSON document's strings (every encoder escapes it), and LF
may appear between tokens: only the others are rewritten."""
_JSON_TEXT = re.compile("[" + "".join(f"\\u{p:04x}" for p in _JSON_CODES) + "]")
_JSON_BYTES = re.compile(b"|".join(re.escape(chr(p).encode()) for p in _JSON_CODES))
_LEAD_BYTES = tuple({chr(p).encode()[:1] for p in _JSON_CODES})


def json_text(document: str) -> str:
    """A serialized JSON document with every escaped character as `\\uXXXX` (the parsed
    strings are unchanged: these characters can only occur inside strings)."""
    return _JSON_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


def json_bytes(document: bytes) -> bytes:
    """`json_text` for a UTF-8 document (a large report: skipped when no byte that
    starts one of the characters occurs)."""
    if not any(lead in document for lead in _LEAD_BYTES):
        return document
    return _JSON_BYTES.sub(lambda m: f"\\u{ord(m.group().decode()):04x}".encode(), document)
