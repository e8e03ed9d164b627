"""A labelled form field with its own error line."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from tui.widgets.localized import Tr


class Field(Vertical):
    """One input (or select) with a label on its left and its error under it.

    The input keeps the domain's field name as its id (`#phone`) and the error line
    is `#phone-error`, so an InvalidInputError lands next to the field it names.
    """

    def __init__(self, field: str, widget: Widget, *, label_key: str | None = None) -> None:
        super().__init__(id=f"{field}-field", classes="field")
        self.field = field
        self.widget = widget
        self.label_key = label_key or f"field.{field}"

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Tr(self.label_key, classes="field-label")
            yield self.widget
        yield Static("", id=f"{self.field}-error", classes="field-error", markup=False)

    def show_error(self, text: str) -> None:
        self.query_one(f"#{self.field}-error", Static).update(text)
        self.add_class("-invalid")
        #: What the field held when it was refused: editing it away clears the error.
        self.refused_value = getattr(self.widget, "value", None)

    def edited(self) -> None:
        """The field's value changed: a refusal of another value no longer applies."""
        if self.has_class("-invalid") and getattr(self.widget, "value", None) != getattr(
            self, "refused_value", None
        ):
            self.clear_error()

    def clear_error(self) -> None:
        self.query_one(f"#{self.field}-error", Static).update("")
        self.remove_class("-invalid")
