"""Where an export's rows come from, and the one shape every problem about them takes:
`file:row: column: problem`.

Row numbers are those a person sees: in CSV and XLSX the header is row 1, so the first
data row is 2; in Parquet the first row is 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from famtriage.core.errors import InputError
from famtriage.core.store import tablespec

MAX_PROBLEMS = 50
SHOWN_CHARS = 60
"""A value quoted in a problem line is cut to this many characters (a 10 MB cell must
not become a 10 MB line)."""
UNREADABLE = (Exception, pl.exceptions.PanicException)
"""What a library raises about a file it cannot take: its errors, and a panic of
polars' Rust code (which is not an Exception), each turned into one line."""


class ImportProblems(InputError):
    """Every problem found in an export, one `file:row: column: problem` per line."""

    def __init__(self, problems: list[str], more: int = 0) -> None:
        self.problems = problems
        tail = [f"... and {more} more"] if more else []
        super().__init__("\n".join([*problems, *tail]))


def raise_problems(problems: list[str]) -> None:
    """Stop with every problem found so far (the first MAX_PROBLEMS of them), if any."""
    if problems:
        raise ImportProblems(problems[:MAX_PROBLEMS], max(0, len(problems) - MAX_PROBLEMS))


@dataclass(frozen=True)
class Source:
    """Where one table's rows are: a file, or a sheet of a workbook."""

    table: str
    path: Path
    sheet: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def first_row(self) -> int:
        """The row number a person sees for the first data row (after a header)."""
        return 1 if self.suffix == ".parquet" else 2

    def at(self, row: int, column: str, problem: str) -> str:
        """One problem line; `row` as a person sees it (1 is a header, where there is one)."""
        return f"{self.label}:{row}: {column}: {problem}"

    def rows(
        self,
        frame: pl.DataFrame,
        index: str,
        column: str,
        problem: str | pl.Expr,
        value: str | None = None,
    ) -> list[str]:
        """A problem line for each row of `frame` (at most MAX_PROBLEMS): its 0-based data
        row is in column `index`, `problem` is a sentence or a per-row String expression,
        and the cell in column `value`, if named, is quoted after it."""
        why = pl.lit(problem) if isinstance(problem, str) else problem
        cell = pl.col(value).cast(pl.String) if value else pl.lit(None)  # any year prints
        picked = frame.head(MAX_PROBLEMS).select(
            pl.col(index), why.alias("_why"), cell.alias("_cell")
        )
        return [
            self.at(row + self.first_row, column, text + (f" ({shown(v)})" if value else ""))
            for row, text, v in picked.iter_rows()
        ]


def source_of(sources: Mapping[str, Source], table: str) -> Source:
    """A table's source; tables built in memory (demo data) are named after the table."""
    return sources.get(table) or Source(table, Path(f"{table}.parquet"))


def shown(value: str | None) -> str:
    """A cell quoted in a problem line, cut to SHOWN_CHARS."""
    if value is not None and len(value) > SHOWN_CHARS:
        return repr(value[:SHOWN_CHARS] + "…") + f" ({len(value):,} characters)"
    return repr(value)


def ambiguous_columns(source: Source, header: list[str]) -> list[str]:
    """Two columns that name one field once trimmed and case-folded (`email`, `EMAIL`):
    which one to read would be a guess, so it is a problem. Unknown names are ignored."""
    fields = {f.name for f in tablespec.IMPORT_SPECS[source.table].fields}
    seen: dict[str, list[str]] = {}
    for name in header:
        key = name.strip().lower()
        if key in fields:
            seen.setdefault(key, []).append(name)
    return [
        source.at(1, key, f"two columns for one field ({', '.join(map(shown, names))})")
        for key, names in seen.items()
        if len(names) > 1
    ]
