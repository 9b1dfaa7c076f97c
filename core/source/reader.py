"""Reading an export: a folder of CSV/Parquet/XLSX files named after the tables, or one
XLSX workbook with a sheet per table.

Everything is typed and checked in bulk; problems come back as
`file:row: column: what is wrong`. No database library is needed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from famtriage.core.errors import InputError, reason
from famtriage.core.source.parsing import PARSERS, PROBLEMS
from famtriage.core.store import tablespec
from famtriage.core.store.tablespec import Field

MAX_PROBLEMS = 50
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


class ImportProblems(InputError):
    """Every problem found in an export, one `file:row: column: problem` per line."""

    def __init__(self, problems: list[str], more: int = 0) -> None:
        self.problems = problems
        tail = [f"... and {more} more"] if more else []
        super().__init__("\n".join([*problems, *tail]))


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
    def first_row(self) -> int:
        """The row number a person sees for the first data row (after a header)."""
        return 1 if self.path.suffix == ".parquet" else 2


def locate(path: Path) -> dict[str, Source]:
    """Find each table's file; two files for one table is an error, not a guess."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file():
        if path.suffix.lower() != ".xlsx":
            raise InputError(f"{path}: expected a folder of table files or one .xlsx workbook")
        return _workbook_sheets(path)
    found: dict[str, Source] = {}
    for file in sorted(path.iterdir()):
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


def _workbook_sheets(path: Path) -> dict[str, Source]:
    import fastexcel

    try:
        names = fastexcel.read_excel(str(path)).sheet_names
    except Exception as exc:
        raise InputError(f"{path}: not a readable workbook: {reason(exc)}") from exc
    found = {
        n.lower(): Source(n.lower(), path, n) for n in names if n.lower() in tablespec.IMPORT_SPECS
    }
    missing = [t for t in REQUIRED_TABLES if t not in found]
    if missing:
        raise InputError(f"{path}: missing sheet(s): {', '.join(missing)}")
    return found


def read_raw(source: Source, wanted: set[str] | None = None) -> pl.DataFrame:
    """The file's rows as they are: CSV as text, Parquet and XLSX with their own types.

    With `wanted`, only those columns (and the table's required ones) are read."""
    try:
        if source.path.suffix.lower() == ".xlsx":
            return pl.read_excel(source.path, sheet_name=source.sheet)
        return _scan(source, wanted).collect()
    except Exception as exc:
        raise InputError(f"{source.label}: cannot read: {reason(exc)}") from exc


def _scan(source: Source, wanted: set[str] | None) -> pl.LazyFrame:
    if source.path.suffix.lower() == ".csv":
        header = pl.read_csv(source.path, n_rows=0, infer_schema=False).columns
        return pl.scan_csv(source.path, infer_schema=False, encoding="utf8-lossy").select(
            _pick(source, header, wanted)
        )
    names = list(pl.read_parquet_schema(source.path))
    return pl.scan_parquet(source.path).select(_pick(source, names, wanted))


def read_raws(
    sources: dict[str, Source], columns: dict[str, set[str]] | None = None
) -> dict[str, pl.DataFrame]:
    """Every file at once (polars reads them in parallel); when something fails, file by
    file, so the error names the file."""
    wanted = {n: None if columns is None else columns.get(n, set()) for n in sources}
    files = [n for n, src in sources.items() if src.path.suffix.lower() != ".xlsx"]
    try:
        read = dict(
            zip(files, pl.collect_all([_scan(sources[n], wanted[n]) for n in files]), strict=True)
        )
    except Exception:
        read = {}
    return {n: read[n] if n in read else read_raw(src, wanted[n]) for n, src in sources.items()}


def _pick(source: Source, names: list[str], wanted: set[str] | None) -> list[str]:
    if wanted is None:
        return names
    keep = wanted | set(tablespec.IMPORT_SPECS[source.table].required)
    return [n for n in names if n.strip().lower() in keep]


def typed_table(source: Source, raw: pl.DataFrame, problems: list[str]) -> pl.DataFrame:
    """Parse each column to its kind; every unparsable or missing required value is a problem."""
    spec = tablespec.IMPORT_SPECS[source.table]
    columns = {c.strip().lower(): c for c in raw.columns}
    absent = [f for f in spec.required if f not in columns]
    if absent:
        problems.append(f"{source.label}:1: {', '.join(absent)}: required column missing")
        return pl.DataFrame()
    exprs: list[pl.Expr] = []
    checks: list[tuple[Field, pl.Expr, pl.Expr | None]] = []
    for field in spec.fields:
        if field.name not in columns:
            exprs.append(pl.lit(None).alias(field.name))
            continue
        col, dtype = pl.col(columns[field.name]), raw.schema[columns[field.name]]
        present = col.is_not_null()
        if dtype == pl.String:
            present = present & col.str.contains(r"\S")
        if field.kind == "str":
            # text cannot fail to parse; blank text is no value, in every file format
            exprs.append(pl.when(present).then(col.cast(pl.String)).alias(field.name))
            checks.append((field, present, None))
            continue
        if field.kind != "money" and dtype == _dtype(field.kind):
            exprs.append(col.alias(field.name))  # already typed: nothing to parse
            checks.append((field, present, None))
            continue
        parsed = PARSERS[field.kind](col, dtype)
        exprs.append(pl.when(present).then(parsed).alias(field.name))
        checks.append((field, present, parsed))
    typed = raw.select(exprs)
    _collect_problems(source, raw, checks, problems)
    return typed


def _collect_problems(source: Source, raw: pl.DataFrame, checks: list, problems: list[str]) -> None:
    if len(problems) >= MAX_PROBLEMS:
        return
    flags = raw.select(
        [
            (present & parsed.is_null()).alias(f"bad:{field.name}")
            for field, present, parsed in checks
            if parsed is not None
        ]
        + [
            (~present).alias(f"missing:{field.name}")
            for field, present, _ in checks
            if field.required
        ]
    )
    found = [name for name, hit in flags.select(pl.all().any()).row(0, named=True).items() if hit]
    flags = flags.select(found).with_row_index("_row")
    for name in found:
        kind, column = name.split(":", 1)
        rows = flags.filter(pl.col(name))["_row"].head(MAX_PROBLEMS).to_list()
        field = tablespec.IMPORT_SPECS[source.table]
        what = (
            "required value missing"
            if kind == "missing"
            else PROBLEMS[next(f.kind for f in field.fields if f.name == column)]
        )
        for row in rows:
            value = raw[row, column if column in raw.columns else _orig(raw, column)]
            shown = f" ({value!r})" if kind == "bad" else ""
            problems.append(f"{source.label}:{row + source.first_row}: {column}: {what}{shown}")


def _orig(raw: pl.DataFrame, name: str) -> str:
    return next(c for c in raw.columns if c.strip().lower() == name)


def read_export(
    path: Path, validate: bool = True, columns: dict[str, set[str]] | None = None
) -> dict[str, pl.DataFrame]:
    """Read and type every table of an export; with `validate`, check ids and references.

    `columns` limits what is read per table (a report needs far fewer than an import).
    """
    sources = locate(Path(path))
    frames = read_raws(sources, columns)
    return type_tables({n: (src, frames[n]) for n, src in sources.items()}, validate)


def type_tables(
    raw: dict[str, tuple[Source, pl.DataFrame]], validate: bool = True
) -> dict[str, pl.DataFrame]:
    """Typed, defaulted (and with `validate`, checked) tables from raw frames."""
    problems: list[str] = []
    tables = {name: typed_table(src, frame, problems) for name, (src, frame) in raw.items()}
    _raise(problems)
    tables = _with_defaults(tables)
    if validate:
        _check_keys(tables, {n: src for n, (src, _) in raw.items()}, problems)
        _raise(problems)
    return tables


def in_memory(frames: dict[str, pl.DataFrame]) -> dict[str, tuple[Source, pl.DataFrame]]:
    """Frames built in memory (demo data), labelled by table name in any problem."""
    return {n: (Source(n, Path(f"{n}.parquet")), f) for n, f in frames.items()}


def _raise(problems: list[str]) -> None:
    if problems:
        raise ImportProblems(problems[:MAX_PROBLEMS], max(0, len(problems) - MAX_PROBLEMS))


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
}


def _dtype(kind: str) -> pl.DataType:
    return _DTYPES[kind]


def _check_keys(
    tables: dict[str, pl.DataFrame], sources: dict[str, Source], problems: list[str]
) -> None:
    for name, frame in tables.items():
        key = tablespec.IMPORT_SPECS[name].key
        label = sources[name].label if name in sources else name
        first = sources[name].first_row if name in sources else 1
        dup = frame.with_row_index("_row").filter(
            pl.col(key).is_duplicated() & pl.col(key).is_not_null()
        )
        for row, value in dup.select("_row", key).head(MAX_PROBLEMS).iter_rows():
            problems.append(f"{label}:{row + first}: {key}: duplicate id {value}")
    for child, column, parent, key in REFERENCES:
        frame = tables[child].with_row_index("_row")
        dangling = frame.filter(
            pl.col(column).is_not_null() & ~pl.col(column).is_in(tables[parent][key].implode())
        )
        label = sources[child].label if child in sources else child
        first = sources[child].first_row if child in sources else 1
        for row, value in dangling.select("_row", column).head(MAX_PROBLEMS).iter_rows():
            problems.append(
                f"{label}:{row + first}: {column}: no {SINGULAR[parent]} with id {value}"
            )
