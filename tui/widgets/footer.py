"""The footer of every screen: the keys, packed tighter on narrow terminals."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

#: Below this many columns the footer drops its padding so more keys fit.
COMPACT_BELOW = 110
#: Below this many columns the palette key (Ctrl+P, listed under "?") leaves the footer.
PALETTE_BELOW = 90


class YimaiFooter(Footer):
    """Textual's Footer, compact when the terminal is narrow."""

    def on_resize(self, event: events.Resize) -> None:
        compact = event.size.width < COMPACT_BELOW
        if compact != self.compact:
            self.compact = compact
        palette = event.size.width >= PALETTE_BELOW
        if palette != self.show_command_palette:
            self.show_command_palette = palette
