"""Build typed flow objects from composed YAML, reporting structural problems.

The common fields of a state are read here; each kind reads its own (``State.build``).
"""

from __future__ import annotations

from typing import cast

from yaml.nodes import MappingNode, Node, ScalarNode

from bot.flows.kinds import KINDS, kind_names
from bot.flows.model import AUDIENCES, Common, Flow, Mark, Signpost, Source, State, Why
from bot.flows.reader import Reader, unique

__all__ = ["UI_KEYS", "UI_NEW", "build_flow", "build_signposts", "build_ui"]

FLOW_REQUIRED = (
    "id", "title", "version", "status", "audience", "owner",
    "reviewed_on", "review_due", "sources", "start", "states",
)
FLOW_OPTIONAL = ("description",)
COMMON = ("id", "kind", "text")
COMMON_OPTIONAL = ("why", "review_note")
RESERVED_STATES = ("menu", "emergency")

UI_KEYS = (
    "menu", "help", "about", "privacy", "not_understood", "stale", "flow_changed",
    "emergency", "emergency_back", "back_label", "restart_label", "emergency_label",
    "menu_label", "continue_label", "done_label", "choose_role", "group_refused",
    "non_text", "error", "exit", "expired", "role_officer", "role_partner", "role_public",
    "role_trainer", "training_on", "training_off", "review_flag",
)
UI_NEW = ("glossary_label", "glossary", "glossary_unknown", "local_force", "sources_label",
          "language_label", "choose_language", "not_translated", "translation_unreviewed", "typed_hint",
          "about_reviewed", "about_review_due", "about_owner", "about_every_owner", "draft",
          "admin_only", "figures_training_only", "diagram_no_flow", "diagram_unavailable", "words_label",
          "words_hint", "why_label", "source_label", "training_hint", "files_label",
          *(f"command_{name}" for name in ("start", "menu", "back", "restart", "emergency", "language", "help",
                                           "about", "glossary", "privacy", "exit", "train", "diagram",
                                           "figures", "stats")))
"""Issue 13's and issue 15's interface texts (required like the others)."""


def _sources(reader: Reader, node: Node | None) -> tuple[Source, ...]:
    entries = []
    for item in reader.sequence(node, "sources"):
        fields = reader.mapping(item, "a source", ("id", "title", "url"))
        if fields is None:
            continue
        source_id = reader.text(fields.get("id"), "the source id")
        title = reader.text(fields.get("title"), "the source title")
        url = reader.text(fields.get("url"), "the source url")
        if url is not None and not url.startswith(("https://", "http://")):
            reader.error(fields["url"], f"source url '{url}' is not a web address.",
                         "start it with https:// (copy it from the fact sheet).")
            url = None
        if source_id and title and url:
            entries.append((source_id, item, Source(source_id, title, url, reader.mark(item))))
    seen: set[str] = set()
    result = []
    for source_id, item, source in entries:
        if source_id in seen:
            reader.error(item, f"duplicate source id '{source_id}'.", "give each source a different id.")
            continue
        seen.add(source_id)
        result.append(source)
    return tuple(result)


def _why(reader: Reader, node: Node | None) -> Why | None:
    if node is None:
        return None
    fields = reader.mapping(node, "the why note", ("text", "source"))
    if fields is None:
        return None
    text = reader.text(fields.get("text"), "the why text")
    source = reader.text(fields.get("source"), "the why source")
    if text is None or source is None:
        return None
    return Why(text, source, reader.mark(node))


def _peek(node: Node, key: str) -> Node | None:
    """The value of ``key`` in a mapping node, without reporting anything."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return cast(Node, value_node)
    return None


def _state(reader: Reader, node: Node) -> State | None:
    if not isinstance(node, MappingNode):
        reader.mapping(node, "a state", ())
        return None
    kind_node = _peek(node, "kind")
    if kind_node is None:
        reader.error(node, "a state is missing the required field 'kind'.",
                     f"add 'kind: ...', one of {', '.join(kind_names())}.")
        return None
    kind = reader.text(kind_node, "the state kind")
    cls = KINDS.get(kind) if kind is not None else None
    if cls is None:
        if kind is not None:
            reader.error(kind_node, f"unknown state kind '{kind}'.", f"use one of {', '.join(kind_names())}.")
        return None
    fields = reader.mapping(node, f"{kind} state", COMMON + cls.REQUIRED, COMMON_OPTIONAL + cls.OPTIONAL)
    if fields is None:
        return None
    state_id = reader.identifier(fields.get("id"), "state id")
    if state_id in RESERVED_STATES:
        reader.error(fields["id"], f"state id '{state_id}' is reserved.", "choose another state id.")
        return None
    text = reader.text(fields.get("text"), "the state text")
    why = _why(reader, fields.get("why"))
    note = reader.text(fields.get("review_note"), "review_note")
    if state_id is None or text is None:
        return None
    return cls.build(reader, fields, Common(state_id, text, reader.mark(node), why, note))


def build_flow(reader: Reader, node: Node) -> tuple[Flow | None, str | None]:
    """A flow, or None when its required parts are broken; also the flow id if readable."""
    fields = reader.mapping(node, "the flow", FLOW_REQUIRED, FLOW_OPTIONAL)
    if fields is None:
        return None, None
    flow_id = reader.identifier(fields.get("id"), "flow id")
    title = reader.text(fields.get("title"), "title")
    version = reader.text(fields.get("version"), "version")
    status = reader.text(fields.get("status"), "status")
    if status is not None and status not in ("draft", "published"):
        reader.error(fields["status"], f"status '{status}' is not draft or published.",
                     "write 'status: draft' while writing and 'status: published' once reviewed.")
        status = None
    audience = []
    for value, item in reader.id_list(fields.get("audience"), "audience"):
        if value not in AUDIENCES:
            reader.error(item, f"unknown audience '{value}'.", f"use any of {', '.join(AUDIENCES)}.")
        elif value not in audience:
            audience.append(value)
    owner = reader.text(fields.get("owner"), "owner")
    reviewed_on = reader.day(fields.get("reviewed_on"), "reviewed_on")
    review_due = reader.day(fields.get("review_due"), "review_due")
    sources = _sources(reader, fields.get("sources"))
    description = reader.text(fields.get("description"), "description") or ""
    start = reader.identifier(fields.get("start"), "start")
    states: dict[str, State] = {}
    state_nodes = reader.sequence(fields.get("states"), "states")
    built = [(s, n) for n in state_nodes if (s := _state(reader, n)) is not None]
    broken = len(built) < len(state_nodes)
    keep = dict(unique(reader, [(s.id, n) for s, n in built], "state id"))
    for state, state_node in built:
        if keep.get(state.id) is state_node:
            states[state.id] = state
    needed = (flow_id, title, version, status, owner, reviewed_on, review_due, start)
    if any(v is None for v in needed) or not audience or not sources or not states or broken:
        return None, flow_id  # structural errors first; the graph is checked once they are fixed
    flow = Flow(
        id=cast(str, flow_id), title=cast(str, title), version=cast(str, version),
        status="draft" if status == "draft" else "published", audience=tuple(audience),
        owner=cast(str, owner), reviewed_on=reviewed_on, review_due=review_due,  # type: ignore[arg-type]
        sources=sources, description=description, start=cast(str, start), states=states,
        path=reader.path, mark=reader.mark(node),
        field_marks={key: reader.mark(value) for key, value in fields.items()},
    )
    return flow, flow_id


def build_signposts(reader: Reader, node: Node) -> dict[str, Signpost]:
    """The directory: ``signposts:`` a list of services."""
    fields = reader.mapping(node, "the signpost directory", ("signposts",))
    if fields is None:
        return {}
    found = []
    for item in reader.sequence(fields.get("signposts"), "signposts"):
        entry = reader.mapping(item, "a signpost", ("id", "name", "when"),
                               ("phone", "url", "how", "review_note", "sources"))
        if entry is None:
            continue
        signpost_id = reader.identifier(entry.get("id"), "signpost id")
        name = reader.text(entry.get("name"), "the signpost name")
        when = reader.text(entry.get("when"), "when to use it")
        phone = reader.text(entry.get("phone"), "phone") if "phone" in entry else None
        url = reader.text(entry.get("url"), "url") if "url" in entry else None
        note = reader.text(entry.get("review_note"), "review_note") if "review_note" in entry else None
        how = reader.text(entry.get("how"), "how to reach it") if "how" in entry else None
        sources = tuple(reader.text(s, "a source") or "" for s in reader.sequence(entry.get("sources"), "sources"))
        if phone is not None and not all(c.isdigit() or c == " " for c in phone):
            reader.error(entry["phone"], f"phone '{phone}' has characters other than digits and spaces.",
                         "write the number as digits with optional spaces, e.g. 0800 555 111.")
            phone = None
        if url is not None and not url.startswith("https://"):
            reader.error(entry["url"], f"url '{url}' does not start with https://.",
                         "write the full secure address, starting with https://.")
            url = None
        if not {"phone", "url", "how"} & set(entry):
            reader.error(item, f"signpost '{signpost_id}' has no phone, url or how.",
                         "add 'phone:', 'url:' or 'how:' so people know how to reach the service.")
        if signpost_id and name and when:
            found.append((signpost_id, item, Signpost(signpost_id, name, when, phone, url, how, note,
                                                     sources, reader.mark(item))))
    keep = dict(unique(reader, [(i, n) for i, n, _ in found], "signpost id"))
    return {i: s for i, n, s in found if keep.get(i) is n}


def build_ui(reader: Reader, node: Node) -> tuple[dict[str, str], dict[str, Mark], list[tuple[str, Mark]]]:
    """Interface texts (every key in UI_KEYS) and the signposts shown in an emergency."""
    fields = reader.mapping(node, "the interface texts", ("texts", "emergency_signposts"))
    if fields is None:
        return {}, {}, []
    texts: dict[str, str] = {}
    marks: dict[str, Mark] = {}
    entries = reader.mapping(fields["texts"], "texts", UI_KEYS + UI_NEW) if "texts" in fields else None
    for key, value in (entries or {}).items():
        text = reader.text(value, f"the '{key}' text")
        if text is not None:
            texts[key] = text
            marks[key] = reader.mark(value)
    signposts = [(v, reader.mark(n)) for v, n in
                 reader.id_list(fields.get("emergency_signposts"), "emergency_signposts")]
    return texts, marks, signposts
