"""A table over a long list that holds only a window of its rows.

The rows come from a read model page by page (offset and limit) in thread workers as
the user scrolls; the first page tells the total, so the scrollbar and the row count
are right from the start, and only the blocks near the view are kept in memory. The
table draws with Textual's Line API: a fixed header line, then one line per row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from projections.queries import Page
from tui.i18n import t
from tui.widgets.localized import localize_bindings

#: Rows per read (one page of the read model).
PAGE_SIZE = 100
#: Rows kept in memory at most (whole pages, nearest the view first).
MAX_ROWS = 1_000

Row = dict[str, Any]
#: Reads `limit` rows from `offset` (runs in a worker thread).
Fetch = Callable[[int, int], Page]


@dataclass(frozen=True)
class Column:
    """A column: its title by catalogue key and its width (0 shares what is left)."""

    key: str
    title_key: str
    width: int = 0
    min_width: int = 6


class VirtualTable(ScrollView, can_focus=True):
    """Rows from a paged read model; the cursor moves over all of them.

    `cells(row)` turns one row into its cells; `key(row)` names the row, so a reload
    keeps the cursor on the same row when it moved (new rows above it).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Open", id="board.open"),
        Binding("up", "cursor_up", "Up", show=False, id="board.up"),
        Binding("down", "cursor_down", "Down", show=False, id="board.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="board.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="board.page-down"),
        Binding("home", "first", "First", show=False, id="board.first"),
        Binding("end", "last", "Last", show=False, id="board.last"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--loading",
    }

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
    }
    VirtualTable > .virtual-table--header {
        text-style: bold;
        background: $panel;
        color: $text;
    }
    VirtualTable > .virtual-table--cursor {
        background: $primary 40%;
    }
    VirtualTable:focus > .virtual-table--cursor {
        background: $accent 60%;
        text-style: bold;
    }
    VirtualTable > .virtual-table--loading {
        color: $text-muted;
    }
    """

    class RowChosen(Message):
        """Enter (or a second click) on a loaded row."""

        def __init__(self, table: VirtualTable, row: Row) -> None:
            super().__init__()
            self.table = table
            self.row = row

    class RowHighlighted(Message):
        """The cursor moved (the row is None while its page is being read)."""

        def __init__(self, table: VirtualTable, index: int, row: Row | None) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

    class Loaded(Message):
        """A page arrived: the total is known (or changed)."""

        def __init__(self, table: VirtualTable, total: int) -> None:
            super().__init__()
            self.table = table
            self.total = total

    class LoadFailed(Message):
        """A page could not be read."""

        def __init__(self, table: VirtualTable, error: BaseException) -> None:
            super().__init__()
            self.table = table
            self.error = error

    class PageRead(Message):
        def __init__(self, generation: int, block: int, page: Page) -> None:
            super().__init__()
            self.generation = generation
            self.block = block
            self.page = page

    def __init__(
        self,
        columns: list[Column],
        cells: Callable[[Row], list[Text]],
        *,
        key: Callable[[Row], Hashable] = lambda row: row["id"],
        page_size: int = PAGE_SIZE,
        max_rows: int = MAX_ROWS,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = columns
        self.cells = cells
        self.key = key
        self.page_size = page_size
        self.max_blocks = max(2, max_rows // page_size)
        self.fetch: Fetch | None = None
        #: Rows in total (None until the first page of the current source arrives).
        self.total: int | None = None
        self.cursor = 0
        self.generation = 0
        self.blocks: dict[int, list[Row]] = {}
        self.block_generation: dict[int, int] = {}
        self.pending: set[tuple[int, int]] = set()
        #: The row the cursor was on before a reload, to find it again.
        self.anchor_key: Hashable | None = None
        self._widths: tuple[int, list[int]] = (-1, [])

    def on_mount(self) -> None:
        localize_bindings(self)

    # -- the source ---------------------------------------------------------------------

    def load(self, fetch: Fetch) -> None:
        """Show another source (new filters): from the top, nothing kept."""
        self.fetch = fetch
        self.generation += 1
        self.blocks.clear()
        self.block_generation.clear()
        self.total = None
        self.cursor = 0
        self.anchor_key = None
        self.virtual_size = Size(self._width(), 1)
        self.scroll_to(y=0, animate=False)
        self.refresh()
        self._fetch_visible()

    def reload(self) -> None:
        """Read the rows in view again (the read models moved on); the cursor stays
        on the same row where it can."""
        if self.fetch is None:
            return
        self.generation += 1
        current = self.current_row()
        self.anchor_key = self.key(current) if current is not None else None
        self._fetch_visible()

    @property
    def ready(self) -> bool:
        """Every row in view is read from the current source."""
        if self.fetch is None or self.total is None:
            return False
        return all(self.block_generation.get(b) == self.generation for b in self._wanted())

    # -- reading pages ------------------------------------------------------------------

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def _wanted(self) -> list[int]:
        """The blocks that the view shows (and the one after it, read ahead)."""
        first = int(self.scroll_y)
        last = first + self._body_height()
        if self.total is not None:
            if self.total == 0:
                return [0]
            last = min(last, self.total - 1)
        size = self.page_size
        return list(range(first // size, last // size + 1))

    def _fetch_visible(self) -> None:
        fetch = self.fetch
        if fetch is None:
            return
        wanted = self._wanted()
        for block in wanted:
            if self.block_generation.get(block) == self.generation:
                continue
            if (self.generation, block) in self.pending:
                continue
            self.pending.add((self.generation, block))
            self.run_worker(
                partial(self._read_block, fetch, self.generation, block),
                thread=True,
                group="virtual-table",
                exit_on_error=False,
            )
        self._evict(wanted)

    def _evict(self, wanted: list[int]) -> None:
        if len(self.blocks) <= self.max_blocks:
            return
        centre = wanted[0] if wanted else 0
        for block in sorted(self.blocks, key=lambda b: -abs(b - centre)):
            if len(self.blocks) <= self.max_blocks:
                break
            if block not in wanted:
                del self.blocks[block]
                self.block_generation.pop(block, None)

    def _read_block(self, fetch: Fetch, generation: int, block: int) -> None:
        """In a worker thread: one page, unless the view has moved far from it."""
        try:
            if generation != self.generation or block not in self._wanted():
                return
            page = fetch(block * self.page_size, self.page_size)
        except Exception as error:  # the screen shows it; the table keeps what it has
            self.post_message(self.LoadFailed(self, error))
            return
        finally:
            self.pending.discard((generation, block))
        self.post_message(self.PageRead(generation, block, page))

    def on_virtual_table_page_read(self, message: PageRead) -> None:
        message.stop()
        if message.generation != self.generation:
            return
        first_total = self.total is None
        changed = self.total != message.page.total
        self.total = message.page.total
        rows = list(message.page.items)
        self.blocks[message.block] = rows
        self.block_generation[message.block] = message.generation
        if changed:
            self.virtual_size = Size(self._width(), self.total + 1)
        self._find_anchor(message.block, rows)
        if self.total and self.cursor >= self.total:
            self.cursor = self.total - 1
        self.refresh()
        if first_total or changed:
            self.post_message(self.Loaded(self, self.total))
        if message.block == self.cursor // self.page_size:
            self._highlighted()
        self._fetch_visible()

    def _find_anchor(self, block: int, rows: list[Row]) -> None:
        """After a reload, move the cursor (and the view) to where its row went."""
        if self.anchor_key is None:
            return
        for offset, row in enumerate(rows):
            if self.key(row) == self.anchor_key:
                index = block * self.page_size + offset
                shift = index - self.cursor
                self.anchor_key = None
                if shift:
                    self.cursor = index
                    self.scroll_to(y=self.scroll_y + shift, animate=False)
                return
        if self.ready:  # not in view any more: the cursor keeps its place
            self.anchor_key = None

    # -- rows ---------------------------------------------------------------------------

    def row_at(self, index: int) -> Row | None:
        rows = self.blocks.get(index // self.page_size)
        offset = index % self.page_size
        if rows is None or offset >= len(rows):
            return None
        return rows[offset]

    def current_row(self) -> Row | None:
        if not self.total:
            return None
        return self.row_at(self.cursor)

    def loaded_rows(self) -> int:
        """How many rows are held in memory now."""
        return sum(len(rows) for rows in self.blocks.values())

    # -- the cursor ---------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        if not self.total:
            return
        index = max(0, min(index, self.total - 1))
        self.cursor = index
        body = self._body_height()
        top = int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + body:
            self.scroll_to(y=index - body + 1, animate=False)
        self.refresh()
        self._highlighted()
        self._fetch_visible()

    def _highlighted(self) -> None:
        self.post_message(self.RowHighlighted(self, self.cursor, self.current_row()))

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_page_down(self) -> None:
        body = self._body_height()
        self.scroll_to(y=self.scroll_y + body, animate=False)
        self.move_cursor(self.cursor + body)

    def action_page_up(self) -> None:
        body = self._body_height()
        self.scroll_to(y=max(0, self.scroll_y - body), animate=False)
        self.move_cursor(self.cursor - body)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        if self.total:
            self.move_cursor(self.total - 1)

    def action_choose(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(self.RowChosen(self, row))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if int(old_value) != int(new_value):
            self._fetch_visible()

    def on_resize(self, event: events.Resize) -> None:
        if self.total is not None:
            self.virtual_size = Size(self._width(), self.total + 1)
        self._fetch_visible()

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        index = int(self.scroll_y) + event.y - 1
        if index == self.cursor and event.chain > 1:
            self.action_choose()
        elif self.total and index < self.total:
            self.move_cursor(index)

    # -- drawing ------------------------------------------------------------------------

    def relabel(self) -> None:
        self.refresh()

    def widths(self, width: int) -> list[int]:
        """Each column's cells: fixed ones as given, the rest share what is left."""
        if self._widths[0] == width:
            return self._widths[1]
        gaps = len(self.columns) - 1
        fixed = sum(c.width for c in self.columns if c.width)
        flexible = [c for c in self.columns if not c.width]
        spare = max(0, width - fixed - gaps)
        share = spare // len(flexible) if flexible else 0
        widths = [c.width or max(c.min_width, share) for c in self.columns]
        if flexible:  # the last flexible column takes the remainder
            last = max(i for i, c in enumerate(self.columns) if not c.width)
            widths[last] = max(self.columns[last].min_width, share + spare - share * len(flexible))
        self._widths = (width, widths)
        return widths

    def _line(self, cells: list[Text], width: int, style: Style) -> Strip:
        line = Text(no_wrap=True, overflow="crop", end="")
        for n, (cell, cell_width) in enumerate(zip(cells, self.widths(width), strict=False)):
            if n:
                line.append(" ")
            shown = cell.copy()
            shown.truncate(cell_width, overflow="ellipsis", pad=True)
            line.append_text(shown)
        segments = list(line.render(self.app.console, end=""))
        strip = Strip(Segment.apply_style(segments, post_style=None, style=style))
        return strip.adjust_cell_length(width, style).crop(0, width)

    def render_line(self, y: int) -> Strip:
        width = self._width()
        base = self.rich_style
        if y == 0:
            header = base + self.get_component_rich_style("virtual-table--header")
            titles = [Text(t(c.title_key)) for c in self.columns]
            return self._line(titles, width, header)
        index = int(self.scroll_y) + y - 1
        if self.total is None:
            if y == 1:
                loading = base + self.get_component_rich_style("virtual-table--loading")
                return self._line([Text(t("board.loading"))], width, loading)
            return Strip.blank(width, base)
        if index >= self.total:
            return Strip.blank(width, base)
        row = self.row_at(index)
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("virtual-table--cursor")
        if row is None:
            loading = style + self.get_component_rich_style("virtual-table--loading")
            return self._line([Text("…")], width, loading)
        return self._line(self.cells(row), width, style)
