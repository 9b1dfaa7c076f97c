"""Money, times, counts and messages as people and the JSON interface read them (in bulk
where a column is formatted)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl


def money_expr(cents: pl.Expr) -> pl.Expr:
    """Integer cents to a string with two decimals ("-0.50", "1234.00")."""
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (cents.abs() // 100).cast(pl.String)
    frac = (cents.abs() % 100).cast(pl.String).str.zfill(2)
    return sign + whole + "." + frac


def money(cents: int | None) -> str:
    cents = cents or 0
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _grouped(whole: pl.Expr) -> pl.Expr:
    """A non-negative integer column as text with thousands separators ("37,895")."""
    text = whole.cast(pl.String)
    return (
        text.str.reverse().str.replace_all(r"(\d{3})", "${1},").str.reverse()
    ).str.strip_chars_start(",")


def money_display_expr(cents: pl.Expr) -> pl.Expr:
    """`money_display` in bulk: "$1,234.50", "-$0.50"."""
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    frac = (cents.abs() % 100).cast(pl.String).str.zfill(2)
    return sign + pl.lit("$") + _grouped(cents.abs() // 100) + "." + frac


def money_display(cents: int | None) -> str:
    """For people: "$1,234.50"."""
    cents = cents or 0
    return f"{'-' if cents < 0 else ''}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def iso_expr(col: pl.Expr) -> pl.Expr:
    """A datetime column as ISO 8601 to the second ("2024-05-01T09:30:00")."""
    return col.dt.strftime("%Y-%m-%dT%H:%M:%S")


def iso_date_expr(col: pl.Expr) -> pl.Expr:
    return col.dt.strftime("%Y-%m-%d")


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value.isoformat()


def history_expr(currency: str = "") -> pl.Expr:
    """A family's history on one line: "stu 1 enr 1 pay 2 ($91.25) pol 1 act 1"."""
    return pl.format(
        "stu {} enr {} pay {} (" + currency + "{}) pol {} act {}",
        "students",
        "enrollments",
        "payments",
        money_expr(pl.col("payments_total_cents")),
        "policies",
        "activity",
    )


def counted(n: int, noun: str, nouns: str | None = None) -> str:
    """ "1 enrollment", "2 enrollments", "37,895 groups": every count reads alike."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


def counted_expr(n: pl.Expr, noun: str, nouns: str | None = None) -> pl.Expr:
    """`counted` in bulk, for counts that are never negative: "1 family", "2 families"."""
    word = pl.when(n == 1).then(pl.lit(noun)).otherwise(pl.lit(nouns or noun + "s"))
    return _grouped(n) + " " + word


def sentence(text: str) -> str:
    """A message as the app shows it: ending its sentence. Core's messages are clauses
    that the CLI prints after "famtriage: " ("no family with id 5"); a dialog or status
    line ends them with a stop. The first letter stays as written: a message may start
    with what the engineer typed ("x is not a valid email address")."""
    text = text.strip()
    if not text or text.endswith((".", "?", "!", "…")):
        return text
    return text + "."
