"""XLSX sheets read cell by cell as they are, or refused with a line that says where.

fastexcel guesses a column's type from every row (by default it looks at 1,000 and
turns a later cell of another type into null), text columns are read as the text a
person sees (a phone `5551234`, not `5551234.0`), and formula and error cells are
refused: a formula's cached result may be a writer's placeholder (xlsxwriter stores 0,
openpyxl nothing), and an error (`#N/A`) reads as an empty cell.
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import polars as pl

from famtriage.core.errors import InputError, reason
from famtriage.core.source.formats import pick
from famtriage.core.source.origin import MAX_PROBLEMS, UNREADABLE, Source, ambiguous_columns
from famtriage.core.store import tablespec

if TYPE_CHECKING:
    from fastexcel import DTypeMap

_SPECIAL = re.compile(rb'<(?:\w+:)?f[\s>/]|\st="[eb]"')
_FORMULA = re.compile(rb"<(?:\w+:)?c\s([^>]*)>\s*<(?:\w+:)?f[\s>/]")
_ERROR = re.compile(rb'<(?:\w+:)?c\s([^>]*\st="e"[^>]*)>')
_BOOLEAN = re.compile(rb'<(?:\w+:)?c\s([^>]*\st="b"[^>]*)>')
_AS_TEXT = ("str", "email", "bool")
"""Kinds read as the text a cell shows, which their parsers take as CSV's."""
_NUMBERS = ("int", "money")
"""Kinds where a true/false cell is refused: fastexcel would read it as 1.0 or 0.0."""


def sheet_names(path: str) -> list[str]:
    """The workbook's sheet names; an unreadable file is one line naming it."""
    import fastexcel

    try:
        return list(fastexcel.read_excel(path).sheet_names)
    except UNREADABLE as exc:
        raise InputError(f"{path}: not a readable workbook: {reason(exc)}") from exc


def read_sheet(source: Source, wanted: set[str] | None, problems: list[str]) -> pl.DataFrame | None:
    """The sheet's columns (all fields, or the `wanted` and required ones) with their cell
    types; None, with problems added, when it cannot be read as it is."""
    import fastexcel

    # it logs "could not determine dtype ..., falling back to string" on stderr for a
    # column with no values: falling back to text is what is wanted, and stderr is ours
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    try:
        reader = fastexcel.read_excel(str(source.path))
        name = source.sheet or reader.sheet_names[0]
        head = reader.load_sheet(name, header_row=None, n_rows=1, dtypes="string")
        columns = [c.absolute_index for c in head.available_columns()]
        first = head.to_polars()
        header = [str(v or "") for v in first.row(0)] if first.height else []
        clashes = ambiguous_columns(source, header)
        if clashes:
            problems.extend(clashes)
            return None
        keep = pick(source, header, wanted)
        if not keep:
            return pl.DataFrame()
        spec = {f.name: f.kind for f in tablespec.IMPORT_SPECS[source.table].fields}
        kinds = {columns[i]: (header[i], spec[header[i].strip().lower()]) for i in keep}
        specials = _special_cells(source, name, kinds)
        if specials:
            problems.extend(specials)
            return None
        text: DTypeMap = {i: "string" for i, (_, kind) in kinds.items() if kind in _AS_TEXT}
        frame = reader.load_sheet(
            name, schema_sample_rows=None, use_columns=list(kinds), dtypes=text or None
        ).to_polars()
        return frame.rename(dict(zip(frame.columns, [header[i] for i in keep], strict=True)))
    except UNREADABLE as exc:
        problems.append(f"{source.label}: cannot read: {reason(exc)}")
        return None


def _special_cells(source: Source, sheet: str, kinds: dict[int, tuple[str, str]]) -> list[str]:
    """Formula and error cells in the columns read (by their absolute index: header name
    and kind), and true/false cells among numbers, by the row and column a person sees."""
    data = _sheet_xml(str(source.path), sheet)
    if not _SPECIAL.search(data):
        return []
    cells = pl.concat(
        [
            _cells(
                _FORMULA.findall(data), "a formula, not a value; save the sheet with values only"
            ),
            _cells(_ERROR.findall(data), "an error value (like #N/A), not a value"),
            _cells(_BOOLEAN.findall(data), "a true/false cell, not a number", numbers_only=True),
        ]
    )
    letters = {_column_letters(i): name for i, (name, _) in kinds.items()}
    numbers = [_column_letters(i) for i, (_, kind) in kinds.items() if kind in _NUMBERS]
    hits = (
        cells.filter(~pl.col("numbers_only") | pl.col("letters").is_in(numbers))
        .with_columns(
            field=pl.col("letters").replace_strict(letters, default=None, return_dtype=pl.String)
        )
        .filter(pl.col("field").is_not_null() | pl.col("letters").is_null())
        .unique(["letters", "row"], keep="first", maintain_order=True)  # a formula's error
    )
    return [
        source.at(row or 1, field or "(cell)", why)
        for why, row, field in hits.sort("row")
        .head(MAX_PROBLEMS)
        .select("why", "row", "field")
        .iter_rows()
    ]


def _cells(found: list[bytes], why: str, numbers_only: bool = False) -> pl.DataFrame:
    """Cells' references (column letters, row) out of their tags' attributes."""
    attrs = pl.Series("attrs", b"\n".join(found).decode("utf-8", "replace").split("\n"))
    return pl.DataFrame(attrs.filter(attrs != "")).select(
        why=pl.lit(why),
        numbers_only=pl.lit(numbers_only),
        letters=pl.col("attrs").str.extract(r'\br="([A-Z]+)\d+"', 1),
        row=pl.col("attrs").str.extract(r'\br="[A-Z]+(\d+)"', 1).cast(pl.Int64),
    )


def _column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: a column's name in a cell reference."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _sheet_xml(path: str, sheet: str) -> bytes:
    """The XML of one sheet, found through the workbook's own sheet list and relations."""
    with zipfile.ZipFile(path) as book:
        ids = {
            _attr(s, "name"): _attr(s, "id")
            for s in ElementTree.fromstring(book.read("xl/workbook.xml")).iter()
            if _local(s.tag) == "sheet"
        }
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        target = next(_attr(r, "Target") for r in rels.iter() if _attr(r, "Id") == ids[sheet])
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
        return book.read(member)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: ElementTree.Element, name: str) -> str:
    """An attribute by its local name, whatever its namespace (`r:id` is `id`)."""
    return next((v for k, v in element.attrib.items() if _local(k) == name), "")
