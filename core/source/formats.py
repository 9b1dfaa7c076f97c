"""CSV and Parquet files opened as they are, or refused with a line that says where.

A path is a name, never a pattern: every polars reader is told `glob=False` (a folder
named `exp[o]rt` or `data*` would otherwise read its siblings), and paths are absolute
by then (polars would expand a folder named `~`).

A CSV file is checked before polars reads its values, because polars either fails
without saying where (an unterminated quote, an extra field) or fills in silently (a
missing field, a bad byte): its bytes must be UTF-8, and every record must hold as many
fields as the header, with quotes only around whole fields.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import polars as pl

from famtriage.core.errors import reason
from famtriage.core.source.origin import (
    MAX_PROBLEMS,
    UNREADABLE,
    Source,
    ambiguous_columns,
    shown,
)
from famtriage.core.store import tablespec

_FIELD = r'(?:"(?:[^"]|"")*"|[^",]*)'
_WELL_QUOTED = rf"^{_FIELD}(?:,{_FIELD})*$"
_QUOTED = r'"(?:[^"]|"")*"'
_BAD_BYTE = "\ufffd"
_CHUNK = 1 << 20

_ACCEPTED = (
    pl.String,
    pl.Categorical,
    pl.Enum,
    pl.Boolean,
    pl.Date,
    pl.Datetime,
    pl.Decimal,
    pl.Null,
)


def scan(source: Source, wanted: set[str] | None, problems: list[str]) -> pl.LazyFrame | None:
    """The file's columns for the table's fields (or only the `wanted` ones and the
    required ones), CSV as text and Parquet with its own types; None, with problems
    added, when the file cannot be read as it is."""
    try:
        if source.suffix == ".csv":
            return _csv(source, wanted, problems)
        return _parquet(source, wanted, problems)
    except UNREADABLE as exc:
        problems.append(f"{source.label}: cannot read: {reason(exc)}")
        return None


def pick(source: Source, names: list[str], wanted: set[str] | None) -> list[int]:
    """Positions of the columns to read: the table's fields (or only the `wanted` ones
    and the required ones); unknown columns are never read."""
    spec = tablespec.IMPORT_SPECS[source.table]
    keep = {f.name for f in spec.fields} if wanted is None else wanted | set(spec.required)
    return [i for i, name in enumerate(names) if name.strip().lower() in keep]


def _csv(source: Source, wanted: set[str] | None, problems: list[str]) -> pl.LazyFrame | None:
    data: Path | bytes = source.path
    valid = _is_utf8(source.path)
    if not valid:  # read it repaired, only to say where each bad byte is
        data = source.path.read_bytes().decode("utf-8", errors="replace").encode()
    if not _well_formed(source, data, problems):
        return None
    first = pl.read_csv(data, has_header=False, n_rows=1, infer_schema=False, glob=False)
    header = [str(name or "") for name in first.row(0)]
    positions = [f"_{i}" for i in range(len(header))]
    frame = pl.scan_csv(data, new_columns=positions, infer_schema=False, glob=False)
    if not valid:
        problems.extend(_bad_bytes(source, header, frame.collect()))
        return None
    clashes = ambiguous_columns(source, header)
    if clashes:
        problems.extend(clashes)
        return None
    return frame.select(pl.col(positions[i]).alias(header[i]) for i in pick(source, header, wanted))


def _is_utf8(path: Path) -> bool:
    """Whether a file's bytes are UTF-8, read a chunk at a time (any size, little memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        try:
            for chunk in iter(lambda: file.read(_CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _bad_bytes(source: Source, header: list[str], frame: pl.DataFrame) -> list[str]:
    """Each cell (and header name) that held bytes which are not UTF-8 (shown as �)."""
    out = [  # a header name as a quoted value: it may be long, or hold control characters
        source.at(1, shown(name), "column name is not valid UTF-8")
        for name in header
        if _BAD_BYTE in name
    ]
    rows = frame.with_row_index("_row")
    for position, name in zip(frame.columns, header, strict=True):
        bad = rows.filter(pl.col(position).str.contains(_BAD_BYTE, literal=True))
        out += source.rows(bad, "_row", name, "not valid UTF-8", value=position)
    return out


def _well_formed(source: Source, data: Path | bytes, problems: list[str]) -> bool:
    """Every record holds as many fields as the header and quotes only whole fields; a
    problem line names each record that does not. Computed in bulk over the file's lines:
    a line that starts inside quotes continues the record before it."""
    quotes = pl.col("line").str.count_matches('"', literal=True)
    lines = (
        pl.scan_lines(data, glob=False)
        .select(pl.col("line").str.strip_prefix("\ufeff").alias("text"), quotes.alias("quotes"))
        .with_columns(starts=(pl.col("quotes").cum_sum() - pl.col("quotes")) % 2 == 0)
    )
    records = lines
    if not lines.select(pl.col("starts").all()).collect().item():
        # some quoted field spans lines: join each record's lines first
        records = lines.group_by(
            (pl.col("starts").cum_sum() - 1).alias("record"), maintain_order=True
        ).agg(pl.col("text").str.join("\n"), pl.col("quotes").sum())
    quoted = pl.col("quotes") > 0
    unquoted = pl.when(quoted).then(pl.col("text").str.replace_all(_QUOTED, "")).otherwise("text")
    shape = records.select(
        odd=pl.col("quotes") % 2 == 1,
        well=~quoted | pl.col("text").str.contains(_WELL_QUOTED),
        fields=unquoted.str.count_matches(",", literal=True) + 1,
        blank=pl.col("text") == "",
    ).collect()
    if shape.is_empty():
        problems.append(source.at(1, "(row)", "the file is empty: no header"))
        return False
    width = shape["fields"][0]
    why = (
        pl.when(pl.col("odd"))
        .then(pl.lit("a quote is never closed (or stands inside a field)"))
        .when(~pl.col("well"))
        .then(pl.lit("a quote inside a field, or text after a closing quote"))
        .when(~pl.col("blank") & (pl.col("fields") != width))
        # concat_str: polars 2.1 panics on pl.format inside this when/then chain
        .then(pl.concat_str(pl.col("fields"), pl.lit(f" field(s) where the header has {width}")))
    )
    bad = shape.with_row_index("row", offset=1).filter(why.is_not_null())
    problems += [
        source.at(row, "(row)", text)
        for row, text in bad.head(MAX_PROBLEMS).select("row", why).iter_rows()
    ]
    return bad.is_empty()


def _parquet(source: Source, wanted: set[str] | None, problems: list[str]) -> pl.LazyFrame | None:
    frame = pl.scan_parquet(source.path, glob=False)
    schema = frame.collect_schema()
    names = list(schema)
    clashes = ambiguous_columns(source, names)
    if clashes:
        problems.extend(clashes)
        return None
    keep = [names[i] for i in pick(source, names, wanted)]
    unfit = [
        source.at(1, name.strip().lower(), f"a column of {schema[name]}, a type no field takes")
        for name in keep
        if not _accepted(schema[name])
    ]
    problems.extend(unfit)
    return None if unfit else frame.select(keep)


def _accepted(dtype: pl.DataType) -> bool:
    """Numbers, text, true/false, dates and date-times: a list, struct, binary, time of
    day or duration column holds nothing a field takes."""
    return dtype.is_numeric() or any(dtype == kind or isinstance(dtype, kind) for kind in _ACCEPTED)
