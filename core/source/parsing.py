"""Typed columns out of raw cells: the parsers import and `--from` share.

Each parser returns a `Parsed`: how to parse the column, what refuses a value that did
parse (out of range, off the cent, a NUL …) and why one did not parse at all. The
caller parses once, checks the parsed column, keeps a value only where it is present
and not refused, and turns every other present value into a `file:row: column:
problem` line, so nothing is ever rounded, wrapped or dropped without a line saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]
_MONEY = r"^-?\d+(\.\d{1,2})?$"
_WHOLE = r"^[+-]?\d+$"

INT64_MAX = 2**63 - 1
EXACT_FLOAT = {pl.Float32: 2**24, pl.Float64: 2**53}
"""Beyond these a float (an XLSX number, a Parquet float or double) no longer holds every
whole number, so an id read from one may already have lost digits."""
MAX_AMOUNT = 10**12
"""Largest amount accepted, in currency units (either sign). It keeps `×100` far from
overflow; the reader separately checks that the payments' total fits int64."""
MAX_CENTS = MAX_AMOUNT * 100
_AMOUNT_DIGITS = len(str(MAX_AMOUNT))
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
FLOAT_RANGE = "beyond {} in a number cell, where digits may be lost; write it as text"
MONEY_RANGE = f"out of range (amounts are at most ±{MAX_AMOUNT:,}.00)"
YEAR_RANGE = "outside the years 1 to 9999"
NUL = "holds a NUL character"
EMAIL_LENGTH = f"longer than {MAX_EMAIL_CHARS} characters"


Check = tuple[pl.Expr, str]


def _no_refusals(parsed: pl.Expr) -> list[Check]:
    return []


@dataclass(frozen=True)
class Parsed:
    """How one column parses and why a value is refused.

    `value` parses the raw column (null where nothing parsed); `refusals`, given the
    parsed column, lists the conditions that refuse a parsed value (cheap: they run on
    every row); `unparsed` lists finer reasons why nothing parsed (they run only on the
    rows reported); otherwise the kind's own message applies."""

    kind: str
    value: pl.Expr
    refusals: Callable[[pl.Expr], list[Check]] = _no_refusals
    unparsed: tuple[Check, ...] = ()

    def refused(self, parsed: pl.Expr) -> pl.Expr:
        """Whether any refusal holds for a row of the parsed column (never null)."""
        held = [condition.fill_null(False) for condition, _ in self.refusals(parsed)]
        return pl.any_horizontal(held) if held else pl.lit(False)

    def problem(self, parsed: pl.Expr) -> pl.Expr:
        """Why a present value was refused: the first refusal that holds, else the first
        reason nothing parsed, else the kind's message."""
        refusals = ((c & parsed.is_not_null(), w) for c, w in self.refusals(parsed))
        checks = [*refusals, *((c & parsed.is_null(), w) for c, w in self.unparsed)]
        problem = pl.lit(PROBLEMS[self.kind])
        for condition, why in reversed(checks):
            problem = pl.when(condition.fill_null(False)).then(pl.lit(why)).otherwise(problem)
        return problem


def _text(col: pl.Expr) -> pl.Expr:
    return col.cast(pl.String).str.strip_chars()


def _decimal_text(col: pl.Expr) -> pl.Expr:
    """A Decimal (or float32) as the shortest text that holds it: `12.500` → `12.5`,
    `3.00` → `3`."""
    return col.cast(pl.String).str.replace(r"(\.\d*?)0+$", "$1").str.strip_suffix(".")


def parse_int(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """Ids: whole numbers within int64, never truncated, and never from a float cell
    beyond the point where it stops holding every whole number."""
    if dtype.is_integer():  # only a UInt64 can fail, beyond int64
        return Parsed(
            "int", col.cast(pl.Int64, strict=False), unparsed=((pl.lit(True), INT_RANGE),)
        )
    if dtype.is_float():
        exact = EXACT_FLOAT[pl.Float32 if dtype == pl.Float32 else pl.Float64]
        whole = col.is_finite() & (col == col.floor())
        return Parsed(
            "int",
            pl.when(whole).then(col.cast(pl.Int64, strict=False)),
            lambda _: [(col.abs() > exact, FLOAT_RANGE.format(exact))],
        )
    text = _decimal_text(col) if isinstance(dtype, pl.Decimal) else _text(col)
    return Parsed(
        "int", text.str.to_integer(strict=False), unparsed=((text.str.contains(_WHOLE), INT_RANGE),)
    )


def parse_bool(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """true/false in the spellings exports use; anything else is a problem, not false."""
    if dtype == pl.Boolean:
        return Parsed("bool", col)
    text = _text(col).str.to_lowercase()
    return Parsed(
        "bool", pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False)
    )


_YEAR_1 = dt.date(1, 1, 1) - dt.date(1970, 1, 1)
_YEAR_10000 = dt.date(9999, 12, 31) - dt.date(1970, 1, 1) + dt.timedelta(days=1)
_BOUNDS = {  # [first, last] of years 1 to 9999 as stored: days, or microseconds
    "date": (_YEAR_1.days, _YEAR_10000.days - 1),
    "datetime": (
        _YEAR_1 // dt.timedelta(microseconds=1),
        _YEAR_10000 // dt.timedelta(microseconds=1) - 1,
    ),
}


def _years(kind: str, typed: bool) -> dict:
    """Python, SQLite and PostgreSQL all read years 1 to 9999; polars parses more. (The
    stored integer is compared: much cheaper than taking each value's year.) A typed
    cell that polars cannot even convert to microseconds is out of range too."""
    first, last = _BOUNDS[kind]
    return {
        "refusals": lambda parsed: [(~parsed.to_physical().is_between(first, last), YEAR_RANGE)],
        "unparsed": ((pl.lit(typed), YEAR_RANGE),),
    }


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


def _typed_time(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.Datetime) or dtype == pl.Date


def parse_datetime(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """ISO 8601 text or a typed cell, in UTC without a zone, years 1 to 9999."""
    value = _datetime_value(col, dtype)
    return Parsed("datetime", value, **_years("datetime", _typed_time(dtype)))


def parse_date(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """A date (a date-time is cut to its date), years 1 to 9999."""
    value = col if dtype == pl.Date else _datetime_value(col, dtype).dt.date()
    return Parsed("date", value, **_years("date", _typed_time(dtype)))


def parse_money(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """Amounts to integer cents, exactly: text is never routed through a float, a float
    only when it is a whole number of cents, and nothing is ever wrapped or rounded."""
    if dtype.is_integer():
        in_range = (col >= -MAX_AMOUNT) & (col <= MAX_AMOUNT)
        cents = col.cast(pl.Int64, strict=False) * 100
        return Parsed(
            "money", cents, lambda _: [(~in_range, MONEY_RANGE)], ((pl.lit(True), MONEY_RANGE),)
        )
    if dtype == pl.Float64:
        scaled = col * 100
        exact = col.is_finite() & ((scaled - scaled.round(0)).abs() < FLOAT_CENT_TOLERANCE)
        cents = pl.when(exact).then(scaled.round(0).cast(pl.Int64, strict=False))
        return Parsed("money", cents, lambda _: [(scaled.abs() > MAX_CENTS, MONEY_RANGE)])
    # a Decimal's digits, a float32's shortest decimal (10.1, not 10.100000381...), or text
    text = _decimal_text(col) if isinstance(dtype, pl.Decimal | pl.Float32) else _text(col)
    digits = text.str.extract(r"^-?0*(\d+)", 1)  # the whole part, without leading zeros
    frac = text.str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0").fill_null("0")
    size = pl.when(text.str.contains(_MONEY) & (digits.str.len_chars() <= _AMOUNT_DIGITS)).then(
        digits.str.to_integer(strict=False) * 100 + frac.str.to_integer(strict=False)
    )
    sign = pl.when(text.str.starts_with("-")).then(-1).otherwise(1)
    return Parsed(
        "money",
        sign * size,
        lambda parsed: [(parsed.abs() > MAX_CENTS, MONEY_RANGE)],
        ((text.str.contains(_MONEY), MONEY_RANGE),),  # it parsed but had too many digits
    )


def parse_str(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """Text is stored as given; a NUL cannot be (PostgreSQL refuses it outright)."""
    return Parsed("str", col.cast(pl.String), _nul)


def _nul(parsed: pl.Expr) -> list[Check]:
    return [(parsed.str.contains("\x00", literal=True), NUL)]


def parse_email(col: pl.Expr, dtype: pl.DataType) -> Parsed:
    """A login address: text, and short enough to be one (and to be indexed)."""
    return Parsed(
        "email",
        col.cast(pl.String),
        lambda parsed: [*_nul(parsed), (parsed.str.len_chars() > MAX_EMAIL_CHARS, EMAIL_LENGTH)],
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
