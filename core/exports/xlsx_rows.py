"""A worksheet's rows written in bulk: the XML xlsxwriter writes for each cell, made by
polars for a whole batch of rows at once.

xlsxwriter spends most of an export in its per-cell Python (type dispatch, escaping,
formatting the XML of each cell), about 50 µs a cell: 100,000 families are 2.3 million
cells. In constant-memory mode it writes each finished row to a temporary file, as
`<row>` elements of inline-string and number cells; this module writes the same
elements, with the same escaping, for every row of a frame in bulk, into that file,
and records the sheet's extent as xlsxwriter would. The workbook around them (column
widths and formats, the header, filters, conditional formats, the other sheets) is
still xlsxwriter's. It relies on xlsxwriter's constant-memory writer (3.x): a test
reads every cell back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

BATCH = 10_000
"""Rows made and written at a time (and between progress reports)."""

_CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))]
"""What Excel keeps as `_xHHHH_` escapes in a string (tab and line feed excepted)."""


def write_rows(
    sheet: Worksheet,
    frame: pl.DataFrame,
    first_row: int,
    styles: Mapping[str, int],
    on_rows: Callable[[int], None],
) -> None:
    """Write `frame` (text, numbers, booleans; nulls and "" are left empty) as the rows from
    `first_row` of a constant-memory `sheet` that has nothing written below them.
    `styles` gives a column its format's index (`Format._get_xf_index()`), as a
    column format gives it to each cell; `on_rows(done)` follows each batch."""
    if frame.is_empty():
        return
    if not sheet.constant_memory:
        raise ValueError("write_rows needs a worksheet in constant-memory mode")
    last_row, last_col = first_row + frame.height - 1, frame.width - 1
    sheet._write_single_row(first_row)  # what was written before is flushed
    sheet._check_dimensions(last_row, last_col)
    xml = _row_xml(frame.schema, styles)
    for start in range(0, frame.height, BATCH):
        batch = frame.slice(start, BATCH).with_row_index("_row", offset=first_row + start + 1)
        sheet.fh.write(batch.select(xml.str.join("")).item())
        on_rows(min(start + BATCH, frame.height))
    sheet.previous_row = last_row + 1


def _row_xml(schema: pl.Schema, styles: Mapping[str, int]) -> pl.Expr:
    """The `<row>` element of each row, its 1-based number in the column `_row`."""
    number = pl.col("_row").cast(pl.String)
    cells = []
    for index, (name, dtype) in enumerate(schema.items()):
        style = f' s="{styles[name]}"' if name in styles else ""
        start = pl.lit(f'<c r="{xl_col_to_name(index)}') + number + pl.lit(f'"{style}')
        cell = start + _value_xml(pl.col(name), dtype)
        empty = pl.col(name).is_null()
        if dtype == pl.String:  # xlsxwriter writes no cell for "" either
            empty = empty | (pl.col(name) == "")
        cells.append(pl.when(empty).then(pl.lit("")).otherwise(cell))
    return pl.concat_str([pl.lit('<row r="') + number + pl.lit('">'), *cells, pl.lit("</row>")])


def _value_xml(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The rest of a cell's element, after its reference and style, as xlsxwriter's
    `_write_cell` writes it in constant-memory mode."""
    if dtype == pl.Boolean:
        return pl.lit(' t="b"><v>') + value.cast(pl.Int8).cast(pl.String) + pl.lit("</v></c>")
    if dtype.is_numeric():
        return pl.lit("><v>") + value.cast(pl.String) + pl.lit("</v></c>")
    text = (
        value.cast(pl.String)
        .str.replace_all(r"(_x[0-9a-fA-F]{4}_)", "_x005F$1")
        .str.replace_many(_CONTROL, [f"_x{ord(c):04X}_" for c in _CONTROL])
    )
    preserve = text.str.contains(r"^\s|\s$")
    escaped = (
        text.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )
    space = pl.when(preserve).then(pl.lit(' xml:space="preserve"')).otherwise(pl.lit(""))
    return pl.lit(' t="inlineStr"><is><t') + space + pl.lit(">") + escaped + pl.lit("</t></is></c>")
