"""Plain-text tables for the CLI, built column-wise by polars so a large report prints fast.

User data is printed as plain text (never as Rich markup), escaped and cut in bulk
(`core.safe_text.display_expr`) before columns are measured.
"""

from __future__ import annotations

import polars as pl

from famtriage.core.formatting import counted, counted_expr, history_expr
from famtriage.core.report.fam12 import Report
from famtriage.core.safe_text import display_expr


def _shown(col: pl.Expr) -> pl.Expr:
    """A column as text to print: escaped, cut when very long, null as empty."""
    return display_expr(col.cast(pl.String)).fill_null("")


def _fit(col: pl.Expr, width: int) -> pl.Expr:
    """Pad to width, cutting with an ellipsis when longer (`col` is already shown)."""
    text = col
    cut = (
        pl.when(text.str.len_chars() > width)
        .then(text.str.slice(0, width - 1) + "…")
        .otherwise(text)
    )
    return cut.str.pad_end(width)


def columns(frame: pl.DataFrame, spec: list[tuple[str, str, int]]) -> str:
    """Render `frame` with (header, column, width) columns; the last is not padded."""
    if frame.is_empty():
        return ""
    head = "  ".join(h.ljust(w) for h, _, w in spec[:-1]) + "  " + spec[-1][0]
    exprs = [_fit(_shown(pl.col(c)), w) for _, c, w in spec[:-1]]
    exprs.append(_shown(pl.col(spec[-1][1])))
    lines = frame.select(pl.concat_str(exprs, separator="  ").alias("line"))["line"]
    return head.rstrip() + "\n" + "\n".join(lines.str.strip_chars_end().to_list()) + "\n"


def report_text(report: Report) -> str:
    """Each group: a header line and its reason, then one line per family (survivor first).

    `report.families` is ordered by group, as `report.groups` is, so lines are numbered
    by run instead of joined back on the email."""
    if report.groups.is_empty():
        return "No FAM-12 groups: every login email belongs to one family.\n"
    keep = (
        pl.when(pl.col("survivor").is_not_null())
        .then(pl.format(" → keep #{}", pl.col("survivor")))
        .otherwise(pl.lit(""))
    )
    flag = (
        pl.when(pl.col("email_valid")).then(pl.lit("")).otherwise(pl.lit("  (not a valid address)"))
    )
    heads = report.groups.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_g"),
        pl.lit(-1, pl.Int64).alias("_r"),
        pl.format(
            "org {}  {}  {}  {}{}{}\n  {}",
            "org_id",
            _shown(pl.col("email")),
            counted_expr(pl.col("families"), "family", "families"),
            pl.col("action").str.to_uppercase(),
            keep,
            flag,
            _shown(pl.col("reason")),
        ).alias("line"),
    )
    history = history_expr()
    visible = _shown(pl.col("raw_email")).str.replace_all(r"[ \u00a0]", "·")
    lines = report.families.select(
        pl.struct("org_id", "email").rle_id().cast(pl.Int64).alias("_g"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_r"),
        pl.concat_str(
            [
                pl.lit("    "),
                _fit(pl.col("role"), 12),
                _fit(pl.lit("#") + pl.col("family_id").cast(pl.String), 9),
                _fit(_shown(pl.col("family_name")), 20),
                _fit(_shown(pl.col("primary_guardian")), 20),
                _fit(visible, 28),
                _fit(pl.col("created_at").dt.strftime("%Y-%m-%d").fill_null(""), 10),
                history,
            ],
            separator=" ",
        ).alias("line"),
    )
    summary = (
        f"FAM-12 ({report.scope}): {counted(report.groups.height, 'group')}, "
        f"{counted(report.families.height, 'family', 'families')}; "
        f"{counted(report.possible.height, 'possible-same-person set')} (see --format json)\n"
    )
    ordered = pl.concat([heads, lines]).sort("_g", "_r")["line"]
    return pl.concat([ordered, pl.Series([summary])]).str.join("\n").item()


def plan_text(report: Report) -> str:
    if report.groups.is_empty():
        return "Nothing to do: no FAM-12 groups.\n"
    frame = report.groups.with_columns(
        pl.col("merge").list.eval(pl.lit("#") + pl.element().cast(pl.String)).list.join(" "),
        pl.col("delete").list.eval(pl.lit("#") + pl.element().cast(pl.String)).list.join(" "),
        pl.format("#{}", pl.col("survivor")).alias("survivor"),
    )
    return columns(
        frame,
        [
            ("ORG", "org_id", 4),
            ("EMAIL", "email", 30),
            ("ACTION", "action", 6),
            ("KEEP", "survivor", 8),
            ("MERGE", "merge", 14),
            ("DELETE", "delete", 14),
            ("REASON", "reason", 0),
        ],
    )
