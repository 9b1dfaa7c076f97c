"""Reading an export: a folder of CSV/Parquet/XLSX files named after the tables, or one
XLSX workbook with a sheet per table.

Everything is typed and checked in bulk; problems come back as
`file:row: column: what is wrong`. No database library is needed here.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from famtriage.core.emails import normalize_series
from famtriage.core.errors import InputError, reason
from famtriage.core.source import formats, workbook
from famtriage.core.source.origin import (
    UNREADABLE,
    Source,
    raise_problems,
    source_of,
)
from famtriage.core.source.parsing import INT64_MAX, PARSERS, Parsed
from famtriage.core.store import tablespec

SUFFIXES = (".csv", ".parquet", ".xlsx")
REQUIRED_TABLES = tuple(n for n, s in tablespec.IMPORT_SPECS.items() if not s.optional_table)
REFERENCES = (
    ("families", "org_id", "orgs", "org_id"),
    ("guardians", "family_id", "families", "family_id"),
    ("students", "family_id", "families", "family_id"),
    ("enrollments", "student_id", "students", "student_id"),
    ("payments", "family_id", "families", "family_id"),
    ("policies", "family_id", "families", "family_id"),
    ("activity", "family_id", "families", "family_id"),
)


SINGULAR = {"orgs": "organization", "families": "family", "students": "student"}


def locate(path: Path) -> dict[str, Source]:
    """Find each table's file; two files for one table is an error, not a guess. Sources
    carry absolute paths: readers expand a leading `~` of a relative one."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    folder = Path(os.path.abspath(path))
    if path.is_file():
        if path.suffix.lower() != ".xlsx":
            raise InputError(f"{path}: expected a folder of table files or one .xlsx workbook")
        return _workbook_sheets(path, folder)
    found: dict[str, Source] = {}
    for file in sorted(folder.iterdir()):
        table, suffix = file.stem.lower(), file.suffix.lower()
        if suffix not in SUFFIXES or table not in tablespec.IMPORT_SPECS:
            continue
        if table in found:
            raise InputError(
                f"{path}: two files for table {table}: {found[table].path.name}, {file.name}"
            )
        found[table] = Source(table, file)
    missing = [t for t in REQUIRED_TABLES if t not in found]
    if missing:
        raise InputError(f"{path}: missing table file(s): {', '.join(missing)}")
    return found


def _workbook_sheets(path: Path, absolute: Path) -> dict[str, Source]:
    names = workbook.sheet_names(str(absolute))
    found = {
        n.lower(): Source(n.lower(), absolute, n)
        for n in names
        if n.lower() in tablespec.IMPORT_SPECS
    }
    missing = [t for t in REQUIRED_TABLES if t not in found]
    if missing:
        raise InputError(f"{path}: missing sheet(s): {', '.join(missing)}")
    return found


def read_raws(
    sources: dict[str, Source], columns: dict[str, set[str]] | None, problems: list[str]
) -> dict[str, pl.DataFrame]:
    """Every file as it is (CSV as text, Parquet and XLSX with their own types), with
    `columns`, only those columns per table (and the required ones). A file that cannot
    be read as it is adds its problems and is left out. CSV and Parquet files are read
    at once (polars reads them in parallel); when that fails, file by file, so the
    problem names the file."""
    wanted = {n: None if columns is None else columns.get(n, set()) for n in sources}
    scans = {
        n: formats.scan(src, wanted[n], problems)
        for n, src in sources.items()
        if src.suffix != ".xlsx"
    }
    ready = {n: scan for n, scan in scans.items() if scan is not None}
    try:
        read = dict(zip(ready, pl.collect_all(list(ready.values())), strict=True))
    except UNREADABLE:
        read = {
            n: frame
            for n in ready
            if (frame := _collect(sources[n], ready[n], problems)) is not None
        }
    for n, src in sources.items():
        if (
            src.suffix == ".xlsx"
            and (sheet := workbook.read_sheet(src, wanted[n], problems)) is not None
        ):
            read[n] = sheet
    return read


def _collect(source: Source, scan: pl.LazyFrame, problems: list[str]) -> pl.DataFrame | None:
    try:
        return scan.collect()
    except UNREADABLE as exc:
        problems.append(f"{source.label}: cannot read: {reason(exc)}")
        return None


def typed_table(source: Source, raw: pl.DataFrame, problems: list[str]) -> pl.DataFrame:
    """Parse each column to its kind; every refused or missing required value is a problem.

    Each column is parsed once, then checked (polars would parse it again for every
    expression that used the parse)."""
    spec = tablespec.IMPORT_SPECS[source.table]
    columns = {c.strip().lower(): c for c in raw.columns}
    absent = [f for f in spec.required if f not in columns]
    if absent:
        problems.append(source.at(1, ", ".join(absent), "required column missing"))
        return pl.DataFrame()
    parsed: dict[str, Parsed] = {}
    stage: list[pl.Expr] = []
    for field in spec.fields:
        if field.name in columns:
            col, dtype = pl.col(columns[field.name]), raw.schema[columns[field.name]]
            present = col.is_not_null()
            if dtype == pl.String:
                present = present & col.str.contains(r"\S")
            parsed[field.name] = PARSERS[field.kind](col, dtype)
            stage += [
                parsed[field.name].value.alias(f"parsed:{field.name}"),
                present.alias(f"present:{field.name}"),
            ]
    both = pl.concat([raw, raw.select(stage)], how="horizontal")  # checks may read the raw cell
    typed = both.select(
        pl.when(pl.col(f"present:{f.name}") & ~parsed[f.name].refused(pl.col(f"parsed:{f.name}")))
        .then(pl.col(f"parsed:{f.name}"))
        .alias(f.name)
        if f.name in parsed
        else pl.lit(None, _dtype(f.kind)).alias(f.name)
        for f in spec.fields
    )
    sides = [both, typed.select(pl.all().name.prefix("typed:"))]
    _collect_problems(source, pl.concat(sides, how="horizontal"), parsed, problems)
    return typed


def _typed(source: Source, raw: pl.DataFrame, problems: list[str]) -> pl.DataFrame:
    try:
        return typed_table(source, raw, problems)
    except UNREADABLE as exc:  # polars failed on these cells: one line, not a traceback
        problems.append(f"{source.label}: cannot read: {reason(exc)}")
        return pl.DataFrame()


def _collect_problems(
    source: Source, rows: pl.DataFrame, parsed: dict[str, Parsed], problems: list[str]
) -> None:
    """A line for each value present but refused and each required value missing (rows:
    the raw, parsed and typed columns side by side); the reasons are worked out only for
    the rows reported."""
    required = set(tablespec.IMPORT_SPECS[source.table].required)
    flags = {
        **{f"bad:{f}": pl.col(f"present:{f}") & pl.col(f"typed:{f}").is_null() for f in parsed},
        **{f"missing:{f}": ~pl.col(f"present:{f}") for f in parsed if f in required},
    }
    found = rows.select(flag.any().alias(name) for name, flag in flags.items()).row(0, named=True)
    if not any(found.values()):
        return
    columns = {c.strip().lower(): c for c in rows.columns if ":" not in c}
    numbered = rows.with_row_index("_row")
    for name in (n for n, hit in found.items() if hit):
        kind, field = name.split(":", 1)
        bad = numbered.filter(flags[name])
        if kind == "bad":
            why = parsed[field].problem(pl.col(f"parsed:{field}"))
            problems += source.rows(bad, "_row", field, why, columns[field])
        else:
            problems += source.rows(bad, "_row", field, "required value missing")


def read_export(
    path: Path, validate: bool = True, columns: dict[str, set[str]] | None = None
) -> dict[str, pl.DataFrame]:
    """Read and type every table of an export; with `validate`, check references too.

    `columns` limits what is read per table (a report needs far fewer than an import).
    """
    return read_located(locate(Path(path)), validate, columns)


def read_located(
    sources: dict[str, Source], validate: bool = True, columns: dict[str, set[str]] | None = None
) -> dict[str, pl.DataFrame]:
    """Read and type the tables `locate` found (see `read_export`)."""
    problems: list[str] = []
    frames = read_raws(sources, columns, problems)
    return type_tables({n: (sources[n], f) for n, f in frames.items()}, validate, problems)


def type_tables(
    raw: dict[str, tuple[Source, pl.DataFrame]],
    validate: bool = True,
    problems: list[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Typed, defaulted and checked tables from raw frames (`problems`: those already
    found reading the files). Ids must be unique and payments must sum within int64
    always (a report would count a family twice, or wrap a total); with `validate`,
    references must resolve and staff logins be distinct too."""
    problems = [] if problems is None else problems
    tables = {name: _typed(src, frame, problems) for name, (src, frame) in raw.items()}
    raise_problems(problems)
    tables = _with_defaults(tables)
    sources = {n: src for n, (src, _) in raw.items()}
    _check_unique(tables, sources, problems)
    _check_total(tables["payments"], source_of(sources, "payments"), problems)
    if validate:
        _check_references(tables, sources, problems)
        _check_staff_logins(tables["staff"], source_of(sources, "staff"), problems)
    raise_problems(problems)
    return tables


def in_memory(frames: dict[str, pl.DataFrame]) -> dict[str, tuple[Source, pl.DataFrame]]:
    """Frames built in memory (demo data), labelled by table name in any problem."""
    return {n: (Source(n, Path(f"{n}.parquet")), f) for n, f in frames.items()}


def _with_defaults(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Fill what an export may leave out: org 1, the orgs table, the activity table."""
    out = dict(tables)
    out["families"] = out["families"].with_columns(pl.col("org_id").fill_null(1))
    if "orgs" not in out:
        ids = out["families"]["org_id"].unique().sort()
        out["orgs"] = pl.DataFrame(
            {"org_id": ids, "name": [f"Organization {i}" for i in ids]},
            schema={"org_id": pl.Int64, "name": pl.String},
        )
    for name, spec in tablespec.IMPORT_SPECS.items():
        if name not in out:
            out[name] = pl.DataFrame(schema={f.name: _dtype(f.kind) for f in spec.fields})
    return out


_DTYPES: dict[str, pl.DataType] = {
    "int": pl.Int64(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "money": pl.Int64(),
    "str": pl.String(),
    "email": pl.String(),
}


def _dtype(kind: str) -> pl.DataType:
    return _DTYPES[kind]


def _check_unique(
    tables: dict[str, pl.DataFrame], sources: dict[str, Source], problems: list[str]
) -> None:
    """Each table's ids are unique (a sort finds out fast; only then are rows named)."""
    for name, frame in tables.items():
        key = tablespec.IMPORT_SPECS[name].key
        ordered = pl.col(key).drop_nulls().sort()
        if not frame.select((ordered == ordered.shift(1)).any()).item():
            continue
        dup = frame.with_row_index("_row").filter(
            pl.col(key).is_duplicated() & pl.col(key).is_not_null()
        )
        why = pl.format("duplicate id {}", pl.col(key))
        problems.extend(source_of(sources, name).rows(dup, "_row", key, why))


def _check_references(
    tables: dict[str, pl.DataFrame], sources: dict[str, Source], problems: list[str]
) -> None:
    for child, column, parent, key in REFERENCES:
        frame = tables[child].with_row_index("_row")
        dangling = frame.filter(
            pl.col(column).is_not_null() & ~pl.col(column).is_in(tables[parent][key].implode())
        )
        why = pl.format(f"no {SINGULAR[parent]} with id {{}}", pl.col(column))
        problems.extend(source_of(sources, child).rows(dangling, "_row", column, why))


def _check_total(payments: pl.DataFrame, source: Source, problems: list[str]) -> None:
    """Every sum of amounts must fit int64 cents (polars would wrap it, SQLite refuse it):
    the sum of their sizes is checked, which bounds any family's or organization's total."""
    largest = payments.select(pl.col("amount").cast(pl.Int128).abs().max()).item() or 0
    if largest * payments.height <= INT64_MAX:  # the usual case, without a running sum
        return
    running = pl.col("amount").cast(pl.Int128).abs().cum_sum()
    past = payments.with_row_index("_row").filter(running > INT64_MAX).head(1)
    limit = f"{INT64_MAX // 100:,}.{INT64_MAX % 100:02d}"
    why = f"the amounts up to this row add up past ±{limit}, more than a total can hold"
    problems.extend(source.rows(past, "_row", "amount", why))


def _check_staff_logins(staff: pl.DataFrame, source: Source, problems: list[str]) -> None:
    """Staff log in by email (`--as`), so two staff rows may not be one login."""
    same = (
        staff.with_columns(normalize_series(staff["email"]).alias("key"))
        .with_row_index("_row")
        .with_columns(first=pl.col("_row").min().over("key"))
        .filter(pl.col("key").is_not_null() & (pl.col("_row") != pl.col("first")))
    )
    why = pl.format(
        "the same login as row {} after normalization", pl.col("first") + source.first_row
    )
    problems.extend(source.rows(same, "_row", "email", why, value="email"))
