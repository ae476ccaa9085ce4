"""The checklist kind: items are ticked, then the first matching rule picks the next state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from yaml.nodes import Node

from bot.flows.kinds.question import RESERVED
from bot.flows.model import NOWHERE, Action, Common, Flow, Mark, Signpost, State
from bot.flows.problems import Problem, few
from bot.flows.reader import Reader, unique

if TYPE_CHECKING:
    from bot.flows.model import FlowSet

__all__ = ["DONE", "Checklist", "ChecklistRule", "Item"]

DONE = "done"
"""The option (and trigger) that ends ticking."""


@dataclass(frozen=True, slots=True)
class Item:
    """One tickable item of a checklist."""

    id: str
    label: str
    mark: Mark = NOWHERE


@dataclass(frozen=True, slots=True)
class ChecklistRule:
    """Picks ``next`` from what was ticked. A rule with no condition always matches."""

    next: str
    if_any: tuple[str, ...] = ()
    if_all: tuple[str, ...] = ()
    if_count_at_least: int | None = None
    mark: Mark = NOWHERE

    @property
    def unconditional(self) -> bool:
        return not self.if_any and not self.if_all and self.if_count_at_least is None

    def matches(self, ticked: frozenset[str] | set[str]) -> bool:
        """True when every condition of the rule holds for the ticked items."""
        if self.if_any and not ticked.intersection(self.if_any):
            return False
        if self.if_all and not ticked.issuperset(self.if_all):
            return False
        return not (
            self.if_count_at_least is not None and len(ticked) < self.if_count_at_least
        )

    def condition(self) -> Callable[[frozenset[str]], bool]:
        """The rule as a named ``transitions`` condition."""
        def condition(ticked: frozenset[str]) -> bool:
            return self.matches(ticked)

        condition.__name__ = "ticked_" + "_".join(
            [*self.if_any, *self.if_all] or [f"at_least_{self.if_count_at_least}"]
        )
        return condition


def _items(reader: Reader, node: Node | None, state_id: str) -> tuple[Item, ...]:
    found = []
    for item in reader.sequence(node, f"the items of '{state_id}'"):
        fields = reader.mapping(item, "a checklist item", ("id", "label"))
        if fields is None:
            continue
        item_id = reader.identifier(fields.get("id"), "item id")
        label = reader.text(fields.get("label"), "the item label")
        if item_id in (*RESERVED, DONE) and "id" in fields:
            reader.error(fields["id"], f"item id '{item_id}' is reserved for a command.",
                         "choose another id.")
            continue
        if item_id and label:
            found.append((item_id, item, Item(item_id, label, reader.mark(item))))
    keep = dict(unique(reader, [(i, n) for i, n, _ in found], "item id"))
    return tuple(it for i, n, it in found if keep.get(i) is n)


def _rules(reader: Reader, node: Node | None, state_id: str) -> tuple[ChecklistRule, ...]:
    rules = []
    for item in reader.sequence(node, f"the rules of '{state_id}'"):
        fields = reader.mapping(item, "a checklist rule", ("next",), ("if_any", "if_all", "if_count_at_least"))
        if fields is None:
            continue
        target = reader.identifier(fields.get("next"), "the rule's next state")
        if_any = tuple(v for v, _ in reader.id_list(fields.get("if_any"), "if_any")) if "if_any" in fields else ()
        if_all = tuple(v for v, _ in reader.id_list(fields.get("if_all"), "if_all")) if "if_all" in fields else ()
        count = reader.integer(fields.get("if_count_at_least"), "if_count_at_least", 1)
        if target:
            rules.append(ChecklistRule(target, if_any, if_all, count, reader.mark(item)))
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class Checklist(State):
    """Multi-select: items are ticked, then the first matching rule picks ``next``."""

    items: tuple[Item, ...] = ()
    rules: tuple[ChecklistRule, ...] = ()
    done_label: str | None = None
    """The button's own text; None for ui.yaml's ``done_label`` in the user's language."""

    kind: ClassVar[str] = "checklist"
    REQUIRED: ClassVar[tuple[str, ...]] = ("items", "rules")
    OPTIONAL: ClassVar[tuple[str, ...]] = ("done_label",)
    multi_select: ClassVar[bool] = True

    @classmethod
    def build(cls, reader: Reader, fields: dict[str, Any], common: Common) -> State | None:
        items = _items(reader, fields.get("items"), common.id)
        rules = _rules(reader, fields.get("rules"), common.id)
        done = reader.text(fields.get("done_label"), "done_label")
        return cls(common.id, common.text, common.mark, common.why, common.review_note, items, rules, done)

    def check(self, flow: Flow, signposts: dict[str, Signpost], flow_ids: set[str]) -> list[Problem]:
        problems = []
        known = {item.id for item in self.items}
        for rule in self.rules:
            for item_id in (*rule.if_any, *rule.if_all):
                if item_id not in known:
                    problems.append(Problem(rule.mark, f"a rule of '{self.id}' names unknown item '{item_id}'.",
                                            f"use one of the checklist's item ids: {few(known)}."))
        if not self.rules or not self.rules[-1].unconditional:
            problems.append(Problem(self.mark, f"checklist '{self.id}' has no rule without conditions at the end.",
                                    "end the rules with one that has only 'next:', so every choice leads on."))
        return problems

    def edges(self) -> Iterable[tuple[str, Mark, str]]:
        return [(rule.next, rule.mark, f"a rule of '{self.id}'") for rule in self.rules]

    def buttons(self) -> Iterable[tuple[str, str, Mark]]:
        return [*((i.id, i.label, i.mark) for i in self.items), (DONE, self.done_label or "Done", self.mark)]

    def turn_options(self, flowset: FlowSet) -> tuple[tuple[str, str], ...]:
        done = self.done_label or flowset.ui.get("done_label", "Done")
        return (*((i.id, i.label) for i in self.items), (DONE, done))

    def respond(self, option_id: str) -> Action | None:
        if option_id == DONE:
            return "move"
        return "toggle" if any(item.id == option_id for item in self.items) else None

    def next_for(self, ticked: frozenset[str] | set[str]) -> str:
        """The state the first matching rule leads to."""
        for rule in self.rules:
            if rule.matches(ticked):
                return rule.next
        raise LookupError(f"no rule of checklist {self.id!r} matches")  # validator prevents

    def transitions(self, *, with_conditions: bool = True) -> list[dict[str, Any]]:
        found = []
        for rule in self.rules:
            entry: dict[str, Any] = {"trigger": DONE, "source": self.id, "dest": rule.next}
            if not rule.unconditional:
                condition = rule.condition()
                entry["conditions"] = [condition if with_conditions else condition.__name__]
            found.append(entry)
        return found

    def edge_labels(self) -> list[tuple[str, int, str]]:
        labels = []
        for number, rule in enumerate(self.rules, start=1):
            if len(self.rules) == 1:
                label = self.done_label or "Done"
            elif rule.unconditional:
                label = f"{self.done_label or 'Done'} (otherwise)"
            else:
                label = f"{self.done_label or 'Done'} (rule {number})"
            labels.append((DONE, number - 1, label))
        return labels
