"""The organization tree: subdistrict → community → branch → group, with counts."""

from __future__ import annotations

from uuid import UUID

from rich.text import Text
from textual import events
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from projections.roster import UnitNode
from tui.org import all_label, fitting_label, ordered, unit_label, walk

#: Levels shown expanded the first time the tree is drawn.
EXPANDED_LEVELS = ("subdistrict", "community")


class OrgTree(Tree[UnitNode | None]):
    """The organization with counts; the root stands for all units."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(all_label([]), data=None, id=id)
        self.guide_depth = 2
        self.roots: list[UnitNode] = []
        self.nodes: dict[UUID, TreeNode[UnitNode | None]] = {}
        self._shape: list[tuple[UUID, UUID | None]] | None = None

    def show_units(self, roots: list[UnitNode]) -> None:
        """Show a fresh read of the tree, keeping what is expanded and the cursor."""
        self.roots = roots
        shape = [(n.id, n.parent_id) for n in walk(roots)]
        if shape == self._shape:
            units = {n.id: n for n in walk(roots)}
            for ident, tree_node in self.nodes.items():
                tree_node.data = units[ident]
                tree_node.set_label(self.label_for(tree_node))
            self.root.set_label(all_label(roots))
            return
        first = self._shape is None
        expanded = {i for i, n in self.nodes.items() if n.is_expanded}
        cursor = self.cursor_node
        cursor_id = cursor.data.id if cursor is not None and cursor.data is not None else None
        self._shape = shape
        self.clear()
        self.nodes = {}
        self.root.set_label(all_label(roots))
        self.root.expand()

        def add(parent: TreeNode[UnitNode | None], unit: UnitNode) -> None:
            open_ = unit.level in EXPANDED_LEVELS if first else unit.id in expanded
            if unit.children:
                node = parent.add(unit_label(unit), data=unit, expand=open_)
                for child in ordered(unit.children):
                    add(node, child)
            else:
                node = parent.add_leaf(unit_label(unit), data=unit)
            node.set_label(self.label_for(node))
            self.nodes[unit.id] = node

        for root in ordered(roots):
            add(self.root, root)
        target = self.nodes.get(cursor_id) if cursor_id else None
        self.call_after_refresh(self.move_cursor, target or self.root)

    def select_unit(self, unit_id: UUID) -> None:
        node = self.nodes.get(unit_id)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.call_after_refresh(self.move_cursor, node)

    def label_for(self, tree_node: TreeNode[UnitNode | None]) -> Text:
        """The unit's label with as many counts as fit the tree's width at its depth."""
        unit = tree_node.data
        assert unit is not None
        width = self.scrollable_content_region.width
        if width <= 0:
            return unit_label(unit)
        depth, parent = 0, tree_node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        return fitting_label(unit, width - depth * self.guide_depth - 3)

    def on_resize(self, event: events.Resize) -> None:
        self.relabel()

    def relabel(self) -> None:
        self.root.set_label(all_label(self.roots))
        for tree_node in self.nodes.values():
            if tree_node.data is not None:
                tree_node.set_label(self.label_for(tree_node))
