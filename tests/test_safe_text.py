"""The display rule (core/safe_text.py): the Python function and the polars expression
agree on any text, the escaped set is exactly the documented one, and JSON stays exact."""

from __future__ import annotations

import json
import unicodedata

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from famtriage.core import safe_text
from famtriage.core.safe_text import (
    ESCAPED_CODES,
    MIN_LIMIT,
    cut_expr,
    display,
    display_expr,
    display_lines,
    escape,
    has_escaped,
    is_cut,
    json_bytes,
    json_text,
)

HOSTILE = "A\x1b]0;pwned\x07B\x1b[2JC\u202eD\x9bE\x7f\u2066F\u200e\n"
SPECIAL = [chr(p) for p in ESCAPED_CODES] + list("\u200b\u200d\ufeff é李😀<>…")
characters = st.characters(exclude_categories=("Cs",))  # polars strings are UTF-8
texts = st.text(alphabet=st.one_of(st.sampled_from(SPECIAL), characters), max_size=300)
limits = st.one_of(st.none(), st.integers(min_value=MIN_LIMIT, max_value=400))
notations = st.sampled_from(["pictures", "codes"])


def test_the_hostile_name_shows_visibly() -> None:
    assert display(HOSTILE) == "A␛]0;pwned␇B␛[2JC<U+202E>D<U+009B>E␡<U+2066>F<U+200E>␊"
    assert escape(HOSTILE, "codes").startswith("A<U+001B>]0;pwned<U+0007>B")


def test_the_escaped_set_is_exactly_the_documented_one() -> None:
    expected = (
        set(range(0x20))
        | {0x7F}
        | set(range(0x80, 0xA0))
        | {0x061C, 0x200E, 0x200F, 0x2028, 0x2029}
        | set(range(0x202A, 0x202F))
        | set(range(0x2066, 0x206A))
    )
    assert set(ESCAPED_CODES) == expected
    shown = escape("".join(chr(p) for p in sorted(expected)))
    assert not has_escaped(shown)
    # Every other control or format character a terminal could act on is in the set;
    # the zero-width (joiner) characters are deliberately left alone.
    left_alone = {
        p
        for p in range(0x10000)
        if unicodedata.category(chr(p)) in ("Cc", "Zl", "Zp") and p not in expected
    }
    assert left_alone == set()
    assert escape("\u200b\u200c\u200d\ufeff") == "\u200b\u200c\u200d\ufeff"


def test_cut_says_how_long_the_value_was() -> None:
    name = "x" * 10_000_000
    shown = display(name)
    assert len(shown) == safe_text.DISPLAY_LIMIT
    assert shown.endswith("… (cut, 10,000,000 characters)")
    assert display("y" * 100, None) == "y" * 100
    with pytest.raises(ValueError):
        display("z", 10)


def test_lines_keep_their_breaks_but_values_do_not() -> None:
    assert display_lines("one \x1b[31m\ntwo") == "one ␛[31m\ntwo"
    assert display("one\ntwo") == "one␊two"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), texts), max_size=8), limits, notations)
def test_function_and_expression_agree(values, limit, notation) -> None:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    bulk = frame.select(display_expr(pl.col("v"), limit, notation))["v"].to_list()
    one_by_one = [None if v is None else display(v, limit, notation) for v in values]
    assert bulk == one_by_one
    if limit is not None:
        cut = frame.select(cut_expr(pl.col("v"), limit))["v"].to_list()
        assert cut == [v is not None and is_cut(v, limit) for v in values]
    for shown in one_by_one:
        if shown is not None:
            assert not has_escaped(shown)
            assert limit is None or len(shown) <= limit


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.one_of(texts, st.integers()), lambda c: st.lists(c, max_size=4)))
def test_json_is_exact_and_never_raw(document) -> None:
    text = json_text(json.dumps(document, ensure_ascii=False))
    assert json.loads(text) == document
    assert not has_escaped(text.replace("\n", ""))
    data = json_bytes(json.dumps(document, ensure_ascii=False, indent=1).encode())
    assert json.loads(data) == document
    assert not has_escaped(data.decode().replace("\n", ""))


def test_json_of_polars_is_exact() -> None:
    frame = pl.DataFrame({"name": [HOSTILE, "\x85\u2029"]})
    data = json_bytes(frame.write_json().encode())
    assert json.loads(data) == [{"name": HOSTILE}, {"name": "\x85\u2029"}]
    assert b"\x1b" not in data and "\u202e".encode() not in data
