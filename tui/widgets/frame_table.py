"""A read-only table over a polars frame that renders only the rows on screen.

Textual's DataTable measures every cell it is given, so 100 000 rows freeze the UI
for seconds. This widget uses the line API instead (as Toolong does): it sets a
virtual size and, in `render_line`, fetches just the visible rows from the frame.
Cells are plain strings in Segments, never markup: customer data shows literally, with
control and bidi characters escaped and long values cut (`core.safe_text`, in bulk when
a frame is shown, before widths are measured).

Rows keep one line each, so a long list stays quick to scan; while the table has focus,
a column marked `wrap` shows the cursor row's value in full, over as many lines as it
needs, so an organization name or a reason is never out of reach in a narrow window. The header
marks the column the rows are sorted by with ▲ (ascending) or ▼ (descending).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from famtriage.core.report.view import SORT_ARROWS
from famtriage.core.safe_text import display_expr

GAP = 1


@dataclass(frozen=True)
class Column:
    """A displayed column: `key` names a String column of the frame given to `show`."""

    key: str
    label: str
    max_width: int = 40
    flex: bool = False
    """Takes the width the other columns leave (at least `max_width` is not a cap)."""
    right: bool = False
    wrap: bool = False
    """On the cursor row of a focused table the value shows in full, wrapped (other rows
    cut it with "…")."""
    sort: str | None = None
    """The sort key (as the screen names it) this column shows: its header carries the
    arrow while the rows are sorted by that key (room for it is kept in the width)."""


class FrameTable(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows of a polars frame with a cursor; posts Highlighted and Selected messages.

    Inherits no scrolling keys: ←/→ stay free for the screen (the family tabs use them).
    """

    DEFAULT_CSS = """
    FrameTable {
        height: 1fr;
        overflow-x: hidden;
        background: $surface;
        & > .frame-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .frame-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .frame-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .frame-table--empty { color: $text-muted; text-style: italic; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "frame-table--header",
        "frame-table--cursor",
        "frame-table--empty",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "down,j",
            "cursor_down",
            "Down",
            show=False,
            id="table.down",
            tooltip="Move to the next row (j or ↓).",
        ),
        Binding(
            "up,k",
            "cursor_up",
            "Up",
            show=False,
            id="table.up",
            tooltip="Move to the previous row (k or ↑).",
        ),
        Binding(
            "g,home",
            "cursor_top",
            "Top",
            show=False,
            id="table.top",
            tooltip="Jump to the first row (g or Home).",
        ),
        Binding(
            "G,end",
            "cursor_bottom",
            "Bottom",
            show=False,
            id="table.bottom",
            tooltip="Jump to the last row (G or End).",
        ),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="table.page_down",
            tooltip="Move one screen down.",
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            show=False,
            id="table.page_up",
            tooltip="Move one screen up.",
        ),
        Binding("enter", "select", "Open", id="table.open", tooltip="Open the highlighted row."),
    ]

    cursor_row: reactive[int] = reactive(0, init=False)

    class Highlighted(Message):
        """The cursor moved to `index` (a row of the frame last shown)."""

        def __init__(self, table: FrameTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> FrameTable:
            return self.table

    class Selected(Message):
        """Enter (or a second click) on row `index`; `row` holds all its columns."""

        def __init__(self, table: FrameTable, index: int, row: dict[str, Any]) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

        @property
        def control(self) -> FrameTable:
            return self.table

    def __init__(
        self,
        columns: list[Column],
        *,
        empty_text: str = "Nothing to show.",
        selectable: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = columns
        self.empty_text = empty_text
        self.selectable = selectable
        self.frame = pl.DataFrame(
            {c.key: [] for c in columns}, schema=dict.fromkeys([c.key for c in columns], pl.String)
        )
        self._shown = self.frame
        """The displayed columns as shown: escaped and cut (`frame` keeps the values)."""
        self._natural: list[int] = [_label_width(c) for c in columns]
        self._widths: tuple[int, list[int]] = (-1, [])
        self._wrapped: tuple[tuple[int, int], list[list[str]]] | None = None
        """The cursor row's cells as the lines they show, for (cursor row, width)."""
        self.sorted_by: tuple[str, bool] | None = None
        """(sort key, descending) of the rows shown, as given to `show`."""

    @property
    def row_count(self) -> int:
        return self.frame.height

    def show(
        self, frame: pl.DataFrame, cursor: int = 0, sorted_by: tuple[str, bool] | None = None
    ) -> None:
        """Display `frame` (its column keys hold display strings); other columns ride along.

        `current_row` and `Selected` give the frame's own values, not the shown ones.
        `sorted_by` (a `Column.sort` key, descending) puts the arrow on that header.
        """
        self.frame = frame
        self.sorted_by = sorted_by
        keys = list(dict.fromkeys(c.key for c in self.columns))
        self._shown = frame.select(
            display_expr(pl.col(k).cast(pl.String)).fill_null("") for k in keys
        )
        self._natural = [
            max(_label_width(c), int(self._shown[c.key].str.len_chars().max() or 0))
            for c in self.columns
        ]
        self._widths = (-1, [])
        self._wrapped = None
        self.cursor_row = max(0, min(cursor, frame.height - 1))
        self._sync_size()
        self._scroll_to_cursor()
        self.refresh()

    def current_row(self) -> dict[str, Any] | None:
        if not self.frame.height:
            return None
        return self.frame.row(self.cursor_row, named=True)

    # -- layout and rendering ---------------------------------------------------------

    def _column_widths(self, width: int) -> list[int]:
        if self._widths[0] == width:
            return self._widths[1]
        widths = [
            min(n, c.max_width) if not c.flex else 0
            for n, c in zip(self._natural, self.columns, strict=True)
        ]
        flex = [i for i, c in enumerate(self.columns) if c.flex]
        spare = width - sum(widths) - GAP * (len(widths) - 1)
        for i in flex:
            widths[i] = max(_label_width(self.columns[i]), spare // len(flex))
        self._widths = (width, widths)
        return widths

    def _cells(self, values: list[str], style: Style, width: int) -> Strip:
        widths = self._column_widths(width)
        segments: list[Segment] = []
        for n, (text, cw, col) in enumerate(zip(values, widths, self.columns, strict=True)):
            if cell_len(text) > cw:
                text = set_cell_size(text, max(cw - 1, 0)) + "…" if cw else ""
            pad = " " * (cw - cell_len(text))
            text = pad + text if col.right else text + pad
            segments.append(Segment(text + (" " * GAP if n < len(widths) - 1 else ""), style))
        return Strip(segments).crop_extend(0, width, style)

    def _labels(self) -> list[str]:
        """The header: each column's label, the sorted one's with its arrow."""
        key, descending = self.sorted_by or (None, False)
        return [
            f"{c.label} {SORT_ARROWS[descending]}" if key is not None and c.sort == key else c.label
            for c in self.columns
        ]

    def _cursor_cells(self, width: int) -> list[list[str]]:
        """The cursor row's cells as the lines they show: a `wrap` column's value whole,
        wrapped at its width; every other cell one line."""
        if self._wrapped is not None and self._wrapped[0] == (self.cursor_row, width):
            return self._wrapped[1]
        row = self._shown.row(self.cursor_row, named=True) if self._shown.height else {}
        cells = []
        for col, cw in zip(self.columns, self._column_widths(width), strict=True):
            text = row.get(col.key, "")
            if col.wrap and cw > 0 and cell_len(text) > cw:
                lines = Text(text).wrap(self.app.console, cw, overflow="fold")
                cells.append([line.plain.rstrip() for line in lines])
            else:
                cells.append([text])
        self._wrapped = ((self.cursor_row, width), cells)
        return cells

    def _span(self) -> int:
        """How many lines the cursor row takes (1 unless a wrapped value needs more)."""
        width = self.scrollable_content_region.width
        if width <= 0 or not self.frame.height or not self.has_focus:
            return 1
        return max(len(cell) for cell in self._cursor_cells(width))

    def _row_at(self, line: int) -> tuple[int, int]:
        """The row at line `line` of the rows (0 = the first row) and the line within it."""
        cursor, span = self.cursor_row, self._span()
        if line < cursor:
            return line, 0
        if line < cursor + span:
            return cursor, line - cursor
        return line - span + 1, 0

    def _empty_lines(self, width: int) -> list[str]:
        """The empty text wrapped at the table's width (it is never cut)."""
        if not self.empty_text or width <= 0:
            return [self.empty_text] if self.empty_text else []
        lines = Text(self.empty_text).wrap(self.app.console, width, overflow="fold")
        return [line.plain.rstrip() for line in lines]

    def _sync_size(self) -> None:
        """The header, then the rows (the cursor row's extra lines), or the empty text."""
        if self.frame.height:
            rows = self.frame.height + self._span() - 1
        else:
            rows = len(self._empty_lines(self.scrollable_content_region.width))
        self.virtual_size = Size(0, 1 + rows)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("frame-table--header")
            return self._cells(self._labels(), style, width)
        index, line = self._row_at(self.scroll_offset.y + y - 1)
        if not self.frame.height:
            empty = self._empty_lines(width)
            if index < len(empty):
                style = base + self.get_component_rich_style("frame-table--empty")
                return Strip([Segment(empty[index], style)]).crop_extend(0, width, style)
            return Strip.blank(width, base)
        if index >= self.frame.height:
            return Strip.blank(width, base)
        if index == self.cursor_row and self.has_focus:
            style = base + self.get_component_rich_style("frame-table--cursor")
            cells = self._cursor_cells(width)
            return self._cells([c[line] if line < len(c) else "" for c in cells], style, width)
        if index == self.cursor_row:
            base += self.get_component_rich_style("frame-table--cursor")
        row = self._shown.row(index, named=True)
        return self._cells([row[c.key] for c in self.columns], base, width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A table whose rows open nothing does not offer Enter in the footer or help."""
        return self.selectable if action == "select" else True

    # -- cursor -----------------------------------------------------------------------

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._sync_size()
        self._scroll_to_cursor()
        self.refresh()
        if self.frame.height:
            self.post_message(self.Highlighted(self, new))

    def _scroll_to_cursor(self) -> None:
        """Bring the whole cursor row into view (its first line, if it is taller)."""
        row, span, top, page = self.cursor_row, self._span(), self.scroll_offset.y, self._page
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row + span > top + page:
            self.scroll_to(y=min(row, row + span - page), animate=False, immediate=True)

    def _move_to(self, row: int) -> None:
        if self.frame.height:
            self.cursor_row = max(0, min(row, self.frame.height - 1))

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor_row - 1)

    def action_cursor_top(self) -> None:
        self._move_to(0)

    def action_cursor_bottom(self) -> None:
        self._move_to(self.frame.height - 1)

    def action_page_down(self) -> None:
        self._move_to(self.cursor_row + self._page)

    def action_page_up(self) -> None:
        self._move_to(self.cursor_row - self._page)

    def action_select(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(self.Selected(self, self.cursor_row, row))

    def _on_click(self, event: events.Click) -> None:
        index = self._row_at(self.scroll_offset.y + event.y - 1)[0]
        if event.y < 1 or index >= self.frame.height:
            return
        if index == self.cursor_row and event.chain >= 2:
            self.action_select()
        self._move_to(index)

    def _on_focus(self, event: events.Focus) -> None:
        self._focus_changed()

    def _on_blur(self, event: events.Blur) -> None:
        self._focus_changed()

    def _focus_changed(self) -> None:
        """The cursor row is drawn brighter, and its wrapped values whole, with focus."""
        self._sync_size()
        self._scroll_to_cursor()
        self.refresh()

    def _on_resize(self, event: events.Resize) -> None:
        self._widths = (-1, [])
        self._wrapped = None
        self._sync_size()
        self._scroll_to_cursor()


def _label_width(column: Column) -> int:
    """A sortable column keeps room for its arrow, so sorting never shifts the columns."""
    return cell_len(column.label) + (2 if column.sort is not None else 0)
