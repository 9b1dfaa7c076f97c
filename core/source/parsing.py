"""Typed columns out of raw cells: the parsers import and `--from` share.

Each parser returns a `Parsed`: the typed value, and why a value was refused (null when
it parsed). The caller keeps the reason only where a value was present and turns it
into a `file:row: column: problem` line, so nothing is ever rounded, wrapped or dropped
without a line saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]
_MONEY = r"^-?\d+(\.\d{1,2})?$"
_WHOLE = r"^[+-]?\d+$"

INT64_MAX = 2**63 - 1
EXACT_FLOAT = 2**53
"""Beyond this a float (an XLSX number, a Parquet double) no longer holds every whole
number, so an id read from one may already have lost digits."""
MAX_AMOUNT = 10**12
"""Largest amount accepted, in currency units (either sign). It keeps `×100` far from
overflow; the reader separately checks that the payments' total fits int64."""
MAX_CENTS = MAX_AMOUNT * 100
FLOAT_CENT_TOLERANCE = 1e-6
"""A binary float `v` is an amount iff `v·100` is this close to a whole number of cents
(10.1 is, 1.005 and 0.125 are not)."""
MAX_EMAIL_CHARS = 320
"""64 for the local part, 1 for @, 255 for the domain: anything longer is not an
address, and would not fit a PostgreSQL index entry."""

PROBLEMS = {
    "int": "not a whole number",
    "bool": "not true/false",
    "date": "not a date (YYYY-MM-DD)",
    "datetime": "not a date-time (ISO 8601)",
    "money": "not an amount with at most two decimals",
    "str": "not text",
    "email": "not text",
}
INT_RANGE = f"out of range (ids are whole numbers up to {INT64_MAX})"
FLOAT_RANGE = f"beyond {EXACT_FLOAT} in a number cell, where digits may be lost; write it as text"
MONEY_RANGE = f"out of range (amounts are at most ±{MAX_AMOUNT:,}.00)"
YEAR_RANGE = "outside the years 1 to 9999"
NUL = "holds a NUL character"
EMAIL_LENGTH = f"longer than {MAX_EMAIL_CHARS} characters"


@dataclass(frozen=True)
class Parsed:
    """A typed column and, per row, why its value was refused (null: it parsed)."""

    value: pl.Expr
    problem: pl.Expr


def _verdict(value: pl.Expr, kind: str, *refusals: tuple[pl.Expr, str]) -> Parsed:
    """The first refusal that holds names the problem; a value that did not parse at all
    gets the kind's own message. A refused value is null, never a guess."""
    problem = pl.when(value.is_null()).then(pl.lit(PROBLEMS[kind])).otherwise(pl.lit(None))
    for condition, why in reversed(refusals):
        problem = pl.when(condition).then(pl.lit(why)).otherwise(problem)
    return Parsed(pl.when(problem.is_null()).then(value), problem.cast(pl.String))


def _text(col: pl.Expr) -> pl.Expr:
    return col.cast(pl.String).str.strip_chars()


def _decimal_text(col: pl.Expr) -> pl.Expr:
    """A Decimal as the shortest text that holds it: `12.500` → `12.5`, `3.00` → `3`."""
    return col.cast(pl.String).str.replace(r"(\.\d*?)0+$", "$1").str.strip_suffix(".")


def parse_int(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    if dtype.is_integer():
        value = col.cast(pl.Int64, strict=False)
        return _verdict(value, "int", (col.is_not_null() & value.is_null(), INT_RANGE))
    if dtype.is_float():
        whole = col.is_finite() & (col == col.floor())
        return _verdict(
            col.cast(pl.Int64, strict=False),
            "int",
            (~whole, PROBLEMS["int"]),
            (col.abs() > EXACT_FLOAT, FLOAT_RANGE),
        )
    text = _decimal_text(col) if isinstance(dtype, pl.Decimal) else _text(col)
    value = text.str.to_integer(strict=False)
    return _verdict(value, "int", (value.is_null() & text.str.contains(_WHOLE), INT_RANGE))


def parse_bool(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    if dtype == pl.Boolean:
        return _verdict(col, "bool")
    text = _text(col).str.to_lowercase()
    value = pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False)
    return _verdict(value, "bool")


def _in_years(value: pl.Expr) -> pl.Expr:
    """Python, SQLite and PostgreSQL all read years 1 to 9999; polars parses more."""
    return value.is_null() | value.dt.year().is_between(1, 9999).fill_null(False)


def _datetime_value(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone:
            col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return col.cast(pl.Datetime("us"), strict=False)
    if dtype == pl.Date:
        return col.cast(pl.Datetime("us"))
    text = _text(col).str.replace("T", " ", literal=True).str.replace(r"Z$", "+00:00")
    return pl.coalesce(
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False),
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%z", time_unit="us", strict=False)
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None),
        text.str.to_datetime("%Y-%m-%d %H:%M", time_unit="us", strict=False),
        text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    )


def _out_of_years(col: pl.Expr, dtype: pl.DataType, value: pl.Expr) -> pl.Expr:
    """A typed cell whose year polars cannot even convert, or a parsed year beyond 9999."""
    typed = isinstance(dtype, pl.Datetime) or dtype == pl.Date
    lost = col.is_not_null() & value.is_null() if typed else pl.lit(False)
    return lost | ~_in_years(value)


def parse_datetime(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    value = _datetime_value(col, dtype)
    return _verdict(value, "datetime", (_out_of_years(col, dtype, value), YEAR_RANGE))


def parse_date(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    value = col if dtype == pl.Date else _datetime_value(col, dtype).dt.date()
    return _verdict(value, "date", (_out_of_years(col, dtype, value), YEAR_RANGE))


def parse_money(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """Amounts to integer cents, exactly: text is never routed through a float, a float
    only when it is a whole number of cents, and nothing is ever wrapped or rounded."""
    if dtype.is_integer():
        in_range = (col >= -MAX_AMOUNT) & (col <= MAX_AMOUNT)
        cents = pl.when(in_range).then(col.cast(pl.Int64) * 100)
        return _verdict(cents, "money", (~in_range, MONEY_RANGE))
    if dtype.is_float():
        scaled = col * 100
        exact = col.is_finite() & ((scaled - scaled.round(0)).abs() < FLOAT_CENT_TOLERANCE)
        in_range = scaled.abs() <= MAX_CENTS
        cents = pl.when(exact & in_range).then(scaled.round(0).cast(pl.Int64, strict=False))
        return _verdict(cents, "money", (~exact, PROBLEMS["money"]), (~in_range, MONEY_RANGE))
    text = _decimal_text(col) if isinstance(dtype, pl.Decimal) else _text(col)
    ok = text.str.contains(_MONEY)
    digits = text.str.extract(r"^-?0*(\d+)", 1)  # the whole part, without leading zeros
    fits = digits.str.len_chars() <= len(str(MAX_AMOUNT))
    frac = text.str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0").fill_null("0")
    size = pl.when(ok & fits).then(
        digits.str.to_integer(strict=False) * 100 + frac.str.to_integer(strict=False)
    )
    in_range = size <= MAX_CENTS
    sign = pl.when(text.str.starts_with("-")).then(-1).otherwise(1)
    return _verdict(
        pl.when(in_range).then(sign * size),
        "money",
        (~ok, PROBLEMS["money"]),
        (~fits | ~in_range, MONEY_RANGE),
    )


def parse_str(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """Text is stored as given; a NUL cannot be (PostgreSQL refuses it outright)."""
    text = col.cast(pl.String)
    return _verdict(text, "str", (text.str.contains("\x00", literal=True), NUL))


def parse_email(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """A login address: text, and short enough to be one (and to be indexed)."""
    text = col.cast(pl.String)
    return _verdict(
        text,
        "email",
        (text.str.contains("\x00", literal=True), NUL),
        (text.str.len_chars() > MAX_EMAIL_CHARS, EMAIL_LENGTH),
    )


PARSERS = {
    "int": parse_int,
    "bool": parse_bool,
    "date": parse_date,
    "datetime": parse_datetime,
    "money": parse_money,
    "str": parse_str,
    "email": parse_email,
}
