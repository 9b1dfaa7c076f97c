"""Reading an export (a folder of CSV/Parquet/XLSX files, or one XLSX) and importing it.

Everything is read and checked before anything is written; the write is one
transaction. Problems come back as `file:row: column: what is wrong`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import delete, select

from core import schema
from core.emails import normalize_series
from core.errors import Conflict, InputError
from core.parsing import PARSERS, PROBLEMS
from core.store import Bulk, Store

MAX_PROBLEMS = 50
SUFFIXES = (".csv", ".parquet", ".xlsx")
REQUIRED_TABLES = tuple(n for n, s in schema.IMPORT_SPECS.items() if not s.optional_table)
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


@dataclass(frozen=True)
class ImportSummary:
    orgs: list[int]
    rows: dict[str, int]


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
        if suffix not in SUFFIXES or table not in schema.IMPORT_SPECS:
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
        raise InputError(f"{path}: not a readable workbook: {exc}") from exc
    found = {
        n.lower(): Source(n.lower(), path, n) for n in names if n.lower() in schema.IMPORT_SPECS
    }
    missing = [t for t in REQUIRED_TABLES if t not in found]
    if missing:
        raise InputError(f"{path}: missing sheet(s): {', '.join(missing)}")
    return found


def read_raw(source: Source) -> pl.DataFrame:
    """The file's rows as they are: CSV as text, Parquet and XLSX with their own types."""
    try:
        if source.sheet is not None:
            return pl.read_excel(source.path, sheet_name=source.sheet)
        if source.path.suffix.lower() == ".csv":
            return pl.read_csv(source.path, infer_schema=False, encoding="utf8-lossy")
        if source.path.suffix.lower() == ".xlsx":
            return pl.read_excel(source.path)
        return pl.read_parquet(source.path)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{source.label}: cannot read: {first}") from exc


def typed_table(source: Source, raw: pl.DataFrame, problems: list[str]) -> pl.DataFrame:
    """Parse each column to its kind; every unparsable or missing required value is a problem."""
    spec = schema.IMPORT_SPECS[source.table]
    columns = {c.strip().lower(): c for c in raw.columns}
    absent = [f for f in spec.required if f not in columns]
    if absent:
        problems.append(f"{source.label}:1: {', '.join(absent)}: required column missing")
        return pl.DataFrame()
    exprs, checks = [], []
    for field in spec.fields:
        if field.name not in columns:
            exprs.append(pl.lit(None).alias(field.name))
            continue
        col = pl.col(columns[field.name])
        present = col.is_not_null() & (col.cast(pl.String).str.strip_chars() != "")
        parsed = PARSERS[field.kind](col, raw.schema[columns[field.name]])
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
        ]
        + [
            (~present).alias(f"missing:{field.name}")
            for field, present, _ in checks
            if field.required
        ]
    ).with_row_index("_row")
    for name in flags.columns[1:]:
        kind, column = name.split(":", 1)
        rows = flags.filter(pl.col(name))["_row"].head(MAX_PROBLEMS).to_list()
        field = schema.IMPORT_SPECS[source.table]
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


def read_export(path: Path, validate: bool = True) -> dict[str, pl.DataFrame]:
    """Read and type every table of an export; with `validate`, check ids and references."""
    sources = locate(Path(path))
    return type_tables({n: (src, read_raw(src)) for n, src in sources.items()}, validate)


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
    for name, spec in schema.IMPORT_SPECS.items():
        if name not in out:
            out[name] = pl.DataFrame(schema={f.name: _dtype(f.kind) for f in spec.fields})
    return out


def _dtype(kind: str) -> pl.DataType:
    return {
        "int": pl.Int64,
        "bool": pl.Boolean,
        "date": pl.Date,
        "datetime": pl.Datetime("us"),
        "money": pl.Int64,
        "str": pl.String,
    }[kind]


def _check_keys(
    tables: dict[str, pl.DataFrame], sources: dict[str, Source], problems: list[str]
) -> None:
    for name, frame in tables.items():
        key = schema.IMPORT_SPECS[name].key
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


def to_store_frames(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Export columns to store columns: login keys, cents, tombstone status."""
    out = dict(tables)
    out["guardians"] = out["guardians"].with_columns(
        normalize_series(out["guardians"]["email"]).alias("email_norm")
    )
    out["payments"] = out["payments"].rename({"amount": "amount_cents"})
    out["families"] = out["families"].with_columns(
        pl.lit("active").alias("status"), pl.lit(None, pl.Int64).alias("merged_into")
    )
    out["user_groups"] = out["user_groups"].with_columns(pl.col("permissions").fill_null(""))
    return out


def import_export(
    store: Store,
    path: Path,
    *,
    replace: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import an export folder or workbook, all or nothing."""
    return import_tables(store, read_export(path), replace=replace, on_progress=on_progress)


def import_tables(
    store: Store,
    tables: dict[str, pl.DataFrame],
    *,
    replace: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Write checked tables in one transaction; an organization already held needs `replace`."""
    tables = to_store_frames(tables)
    org_ids = tables["orgs"]["org_id"].to_list()
    steps = len(schema.DATA_TABLES) + 1
    with store.bulk() as bulk:
        held = {
            r[0]
            for r in bulk.rows(
                select(schema.orgs.c.org_id).where(schema.orgs.c.org_id.in_(org_ids))
            )
        }
        if held and not replace:
            raise Conflict(
                f"the store already holds organization(s) {', '.join(map(str, sorted(held)))}; "
                "use --replace to swap in this export"
            )
        for org_id in held:
            _remove_org(bulk, org_id)
        _check_collisions(bulk, tables)
        if on_progress:
            on_progress(1, steps)
        for done, name in enumerate(schema.DATA_TABLES, start=2):
            frame = tables[name]
            if name == "user_groups":
                known = [r[0] for r in bulk.rows(select(schema.user_groups.c.user_group))]
                frame = frame.filter(~pl.col("user_group").is_in(known))
            bulk.ingest(name, frame)
            if on_progress:
                on_progress(done, steps)
        store.touch_all(bulk)
    return ImportSummary(orgs=org_ids, rows={n: tables[n].height for n in schema.DATA_TABLES})


def _check_collisions(bulk: Bulk, tables: dict[str, pl.DataFrame]) -> None:
    """Ids are global: an id another organization already uses is refused."""
    problems: list[str] = []
    if not bulk.rows(select(schema.families.c.family_id).limit(1)):
        return
    for name in (
        "families",
        "guardians",
        "students",
        "enrollments",
        "payments",
        "policies",
        "activity",
        "staff",
    ):
        table = schema.metadata.tables[name]
        key = schema.IMPORT_SPECS[name].key
        ids = tables[name][key].to_list()
        for start in range(0, len(ids), 50_000):
            chunk = ids[start : start + 50_000]
            taken = [
                r[0]
                for r in bulk.rows(select(table.c[key]).where(table.c[key].in_(chunk)).limit(5))
            ]
            problems += [f"{name}: {key}: id {i} is already used in the store" for i in taken]
            if problems:
                break
    if problems:
        raise Conflict("; ".join(problems[:5]))


def _remove_org(bulk: Bulk, org_id: int) -> None:
    """Delete one organization's rows, children first (inside the caller's transaction)."""
    fam_ids = select(schema.families.c.family_id).where(schema.families.c.org_id == org_id)
    student_ids = select(schema.students.c.student_id).where(
        schema.students.c.family_id.in_(fam_ids)
    )
    bulk.run(delete(schema.enrollments).where(schema.enrollments.c.student_id.in_(student_ids)))
    for name in ("students", "guardians", "payments", "policies", "activity"):
        table = schema.metadata.tables[name]
        bulk.run(delete(table).where(table.c.family_id.in_(fam_ids)))
    bulk.run(delete(schema.families).where(schema.families.c.org_id == org_id))
    bulk.run(delete(schema.staff).where(schema.staff.c.org_id == org_id))
    bulk.run(delete(schema.orgs).where(schema.orgs.c.org_id == org_id))
