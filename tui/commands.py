"""The command palette (Ctrl+P) and the help screen's key list: every action, by name.

Both read the same bindings: the focused widget's, the screen's and the App's,
each described in the current language by its stable id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

from tui.i18n import other_language, t, t_in

if TYPE_CHECKING:
    from tui.app import YimaiApp


@dataclass(frozen=True)
class KeyAction:
    """One bound action as a person sees it."""

    node: DOMNode
    binding: Binding
    key: str
    title: str
    enabled: bool


def key_actions(screen: Screen[Any]) -> list[KeyAction]:
    """The described actions reachable on `screen`, nearest node first, one per id."""
    app = screen.app
    nodes: list[DOMNode] = []
    if screen.focused is not None:
        nodes += [n for n in screen.focused.ancestors_with_self if n is not screen and n is not app]
    # A modal screen cuts the App's bindings off (Textual), except the palette's.
    nodes += [screen] if screen.is_modal else [screen, app]
    seen: set[str] = set()
    out: list[KeyAction] = []
    for node in nodes:
        for _key, binding in node._bindings:
            ident = binding.id
            same = f"{binding.key}:{binding.action.rsplit('.', 1)[-1]}"
            if not ident or ident in seen or same in seen or not binding.description:
                continue
            seen.update((ident, same))
            _, name, parameters = parse_action(binding.action)
            state = node.check_action(name, parameters)
            if state is False:
                continue
            out.append(
                KeyAction(
                    node, binding, app.get_key_display(binding), binding.description, bool(state)
                )
            )
    return out


#: Actions the palette offers once, as global commands, whatever keys bind them.
GLOBAL_ACTIONS = frozenset({"command_palette", "help", "quit", "toggle_language", "section"})


class YimaiCommands(Provider):
    """Every action of the current screen, plus going anywhere: roster, account, language."""

    def commands(self) -> list[tuple[str, str, str, Callable[[], Any]]]:
        """(title, title in the other language, help, callback)."""
        app = cast("YimaiApp", self.app)
        other = other_language()
        out: list[tuple[str, str, str, Callable[[], Any]]] = []
        seen_actions: set[str] = set()
        for action in key_actions(self.screen):
            name = parse_action(action.binding.action)[1]
            if not action.enabled or name in GLOBAL_ACTIONS:
                continue
            seen_actions.add(action.binding.action)
            out.append(
                (
                    action.title,
                    t_in(other, f"bind.{action.binding.id}"),
                    t("palette.key", key=action.key),
                    partial(app.run_action, action.binding.action, action.node),
                )
            )
        for name, callback in app.global_commands(self.screen):
            if name == "account" and "account" in seen_actions:
                continue
            out.append(
                (
                    t(f"palette.{name}"),
                    t_in(other, f"palette.{name}"),
                    t(f"palette.{name}.help"),
                    callback,
                )
            )
        return out

    async def discover(self) -> Hits:
        for title, _other, help_text, callback in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, other, help_text, callback in self.commands():
            score = matcher.match(title)
            shown: Any = matcher.highlight(title) if score > 0 else title
            score = max(score, matcher.match(other) * 0.9)
            if score > 0:
                yield Hit(score, shown, callback, help=help_text)
