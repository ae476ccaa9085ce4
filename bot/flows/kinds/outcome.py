"""The outcome kind: a final state with services to contact and suggested next flows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from yaml.nodes import SequenceNode

from bot.flows.model import Action, Common, Flow, FlowSet, Signpost, State
from bot.flows.problems import Problem, few, suggest
from bot.flows.reader import Reader

__all__ = ["Outcome"]


@dataclass(frozen=True, slots=True)
class Outcome(State):
    """A terminal state: text, signposts by id and suggested next flows."""

    signposts: tuple[str, ...] = ()
    next_flows: tuple[str, ...] = ()

    kind: ClassVar[str] = "outcome"
    REQUIRED: ClassVar[tuple[str, ...]] = ("signposts",)
    OPTIONAL: ClassVar[tuple[str, ...]] = ("next_flows",)
    final: ClassVar[bool] = True

    @classmethod
    def build(cls, reader: Reader, fields: dict[str, Any], common: Common) -> State | None:
        node = fields.get("signposts")
        signposts = tuple(v for v, _ in reader.id_list(node, "signposts", allow_empty=True))
        if isinstance(node, SequenceNode) and not node.value:
            reader.error(node, f"outcome '{common.id}' has no signposts.",
                         "name at least one service from flows/signposts.yaml, e.g. police_emergency.")
        next_flows = tuple(v for v, _ in reader.id_list(fields.get("next_flows"), "next_flows", allow_empty=True))
        return cls(common.id, common.text, common.mark, common.why, common.review_note, signposts, next_flows)

    def check(self, flow: Flow, signposts: dict[str, Signpost], flow_ids: set[str]) -> list[Problem]:
        problems = []
        for signpost_id in self.signposts:
            if signpost_id not in signposts:
                problems.append(Problem(self.mark, f"outcome '{self.id}' names unknown signpost '{signpost_id}'.",
                                        f"{suggest(signpost_id, signposts)}use an id from flows/signposts.yaml."))
        for flow_id in self.next_flows:
            if flow_id not in flow_ids:
                problems.append(Problem(self.mark, f"outcome '{self.id}' suggests unknown flow '{flow_id}'.",
                                        f"use a flow id: {few(flow_ids)}."))
        return problems

    def turn_options(self, flowset: FlowSet) -> tuple[tuple[str, str], ...]:
        return tuple((f, flowset.flows[f].title) for f in self.next_flows if f in flowset.flows)

    def respond(self, option_id: str) -> Action | None:
        return "start" if option_id in self.next_flows else None

    def services(self) -> tuple[str, ...]:
        return self.signposts
