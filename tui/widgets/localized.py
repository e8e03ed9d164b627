"""Widgets whose text follows the interface language, and binding descriptions that do.

A language switch calls `relabel()` on every node that has one, and
`localize_bindings()` on every node with bindings, so labels change in place
without losing what the user typed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Button, Input, Select, Static

from tui import i18n
from tui.i18n import t

_PALETTE_ACTIONS = {"command_palette", "app.command_palette"}
#: Textual's own widgets' bindings that show in the footer, by action (they have no id).
_TEXTUAL_ACTIONS = {"dismiss": "bind.textual.dismiss"}


def _localized(binding: Binding) -> Binding:
    if binding.id:
        key = f"bind.{binding.id}"
    elif binding.action in _PALETTE_ACTIONS:
        key = "bind.app.palette"
    elif binding.action in _TEXTUAL_ACTIONS:
        key = _TEXTUAL_ACTIONS[binding.action]
    else:
        return binding
    if not i18n.has(key):
        return binding
    return dataclasses.replace(binding, description=t(key))


def localize_bindings(node: DOMNode) -> None:
    """Give the node's bindings their descriptions in the current language (by id)."""
    mapping = node._bindings.key_to_bindings
    for key, bindings in list(mapping.items()):
        # A new list: the class-level map shares its lists with every instance.
        mapping[key] = [_localized(b) for b in bindings]


def localize_tree(root: DOMNode) -> None:
    """Localize the bindings of a node and everything under it (Textual's own widgets
    inside ours too, such as a Select's menu)."""
    for node in [root, *root.walk_children(with_self=False)]:
        localize_bindings(node)


def relabel_tree(root: DOMNode) -> None:
    """Relabel a node and everything under it in the current language."""
    for node in [root, *root.walk_children(with_self=False)]:
        localize_bindings(node)
        relabel = getattr(node, "relabel", None)
        if callable(relabel):
            relabel()


class Tr(Static):
    """A static text given by a catalogue key (and values)."""

    def __init__(self, key: str, *, id: str | None = None, classes: str = "", **values: Any):
        super().__init__(t(key, **values), id=id, classes=classes, markup=False)
        self.key = key
        self.values = values

    def show(self, key: str, **values: Any) -> None:
        self.key = key
        self.values = values
        self.update(t(key, **values))

    def relabel(self) -> None:
        self.update(t(self.key, **self.values))


class TrButton(Button):
    """A button labelled by a catalogue key."""

    def __init__(self, key: str, *, id: str | None = None, variant: Any = "default", **kw: Any):
        super().__init__(t(key), id=id, variant=variant, **kw)
        self.key = key

    def relabel(self) -> None:
        self.label = t(self.key)


class TrInput(Input):
    """An input whose placeholder is a catalogue key."""

    def __init__(self, placeholder_key: str = "", **kw: Any) -> None:
        values = kw.pop("placeholder_values", {})
        super().__init__(placeholder=t(placeholder_key, **values) if placeholder_key else "", **kw)
        self.placeholder_key = placeholder_key
        self.placeholder_values = values

    def set_placeholder(self, key: str, **values: Any) -> None:
        self.placeholder_key = key
        self.placeholder_values = values
        self.placeholder = t(key, **values)

    def relabel(self) -> None:
        if self.placeholder_key:
            self.placeholder = t(self.placeholder_key, **self.placeholder_values)


class EnumSelect(Select[str]):
    """A select over an enum whose option labels follow the language."""

    def __init__(
        self,
        kind: str,
        values: Iterable[StrEnum],
        *,
        value: str | None = None,
        allow_blank: bool = True,
        id: str | None = None,
    ) -> None:
        self.kind = kind
        self.enum_values = list(values)
        super().__init__(
            i18n.options(kind, self.enum_values),
            prompt=t("select.choose"),
            allow_blank=allow_blank,
            value=value if value is not None else Select.NULL,
            id=id,
            compact=True,
        )

    def relabel(self) -> None:
        current = self.value
        with self.prevent(Select.Changed):
            self.prompt = t("select.choose")
            self.set_options(i18n.options(self.kind, self.enum_values))
            if current is not Select.NULL:
                self.value = current


class ChoiceSelect(Select[str]):
    """A select over loaded choices (branches, groups, resident units)."""

    def __init__(self, *, prompt_key: str = "select.choose", id: str | None = None) -> None:
        super().__init__([], prompt=t(prompt_key), allow_blank=True, id=id, compact=True)
        self.prompt_key = prompt_key
        self.choices: list[tuple[str, str]] = []

    def set_choices(self, choices: list[tuple[str, str]], value: str | None = None) -> None:
        """Replace the options, keeping (or setting) the value when it is still offered."""
        keep = value if value is not None else self.selected
        self.choices = choices
        with self.prevent(Select.Changed):
            self.set_options(choices)
        if keep is not None and any(v == keep for _, v in choices):
            self.value = keep

    @property
    def selected(self) -> str | None:
        value = self.value
        return None if value is Select.NULL else str(value)

    def relabel(self) -> None:
        self.prompt = t(self.prompt_key)
