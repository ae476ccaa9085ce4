"""A force's local profile (issue #13): its own contacts laid over the signpost directory.

The file is named by ``REFERRAL_BOT_LOCAL`` (``flows/local/example.yaml`` is a fictional
example). Its structured contacts become signposts with fixed directory ids:

* ``spoc`` -> ``force_spoc``; ``online_report`` -> ``police_online_report`` (the directory's
  name, the profile's address);
* each area's ``childrens_services``, ``mash`` and ``adult_safeguarding`` -> the directory
  entry of that id, replaced by one signpost per area, named "<directory name>: <area>";
* ``signposts:`` entries (the directory's shape) replace the directory entry of the same id,
  or add a new one (flows never name those: they validate without a profile).

The profile's ``nation`` is a fact every new session starts with (see ``bot.flows.facts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from bot.flows.build import build_signposts
from bot.flows.facts import NATIONS
from bot.flows.i18n import localise
from bot.flows.links import link_problem
from bot.flows.model import NOWHERE, Mark, Signpost
from bot.flows.problems import Problem
from bot.flows.reader import Reader
from bot.flows.yamlsafe import compose_file

__all__ = ["AREA_SERVICES", "LOCAL_ENV", "LocalProfile", "load_profile"]

LOCAL_ENV = "REFERRAL_BOT_LOCAL"
AREA_SERVICES = ("childrens_services", "mash", "adult_safeguarding")
SPOC_ID = "force_spoc"
ONLINE_REPORT_ID = "police_online_report"
_LINK_FIX = "write the full https address with a lower-case host, no port and no trailing dot."


@dataclass(frozen=True, slots=True)
class LocalProfile:
    """A force's profile: its name and nation, and signposts that replace directory entries."""

    force: str
    nation: str
    path: str
    overrides: dict[str, tuple[Signpost, ...]] = field(default_factory=dict)
    mark: Mark = NOWHERE

    @property
    def facts(self) -> dict[str, str]:
        """The facts every new session starts with."""
        return {"nation": self.nation}

    def signposts_for(self, signpost_id: str, directory: dict[str, Signpost]) -> tuple[Signpost, ...]:
        """What the user sees for a directory id: the profile's entries, else the directory's."""
        local = self.overrides.get(signpost_id)
        if local is not None:
            return local
        return (directory[signpost_id],) if signpost_id in directory else ()

    def single(self) -> dict[str, Signpost]:
        """Overrides that are one signpost each (used for {phone:ID} in text)."""
        return {key: value[0] for key, value in self.overrides.items() if len(value) == 1}


def _contact(reader: Reader, node: Node | None, what: str) -> tuple[str | None, str | None] | None:
    """A ``{phone, url}`` contact with at least one of them; None when broken."""
    if node is None:
        return None
    fields = reader.mapping(node, what, (), ("phone", "url"))
    if fields is None:
        return None
    phone = _phone(reader, fields.get("phone"), what)
    url = _url(reader, fields.get("url"), what)
    if "phone" not in fields and "url" not in fields:
        reader.error(node, f"{what} has no phone or url.", "add 'phone:' or 'url:'.")
        return None
    return phone, url


def _phone(reader: Reader, node: Node | None, what: str) -> str | None:
    phone = reader.text(node, f"the phone of {what}")
    if phone is not None and node is not None and not all(c.isdigit() or c == " " for c in phone):
        reader.error(node, f"phone '{phone}' has characters other than digits and spaces.",
                     "write the number as digits with optional spaces, in quotes, e.g. \"01632 960001\".")
        return None
    return phone


def _url(reader: Reader, node: Node | None, what: str) -> str | None:
    url = reader.text(node, f"the url of {what}")
    if url is not None and node is not None and (problem := link_problem(url)) is not None:
        reader.error(node, f"url '{url}' {problem}.", _LINK_FIX)
        return None
    return url


def _only(node: MappingNode, key: str) -> MappingNode:
    """A mapping holding only ``key`` of ``node``, so the directory's reader can read it."""
    pairs = [(k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == key]
    return MappingNode(node.tag, pairs, node.start_mark, node.end_mark)


def _build(reader: Reader, node: Node, directory: dict[str, Signpost]) -> LocalProfile | None:
    fields = reader.mapping(node, "the local profile", ("force", "nation"),
                            ("online_report", "spoc", "areas", "signposts"))
    if fields is None:
        return None
    force = reader.text(fields.get("force"), "force")
    nation = reader.text(fields.get("nation"), "nation")
    if nation is not None and nation not in NATIONS:
        reader.error(fields["nation"], f"nation '{nation}' is not a UK nation.", f"use one of {', '.join(NATIONS)}.")
        nation = None
    derived: dict[str, list[Signpost]] = {}
    derived_marks: dict[str, Mark] = {}

    def add(signpost_id: str, signpost: Signpost) -> None:
        derived.setdefault(signpost_id, []).append(signpost)
        derived_marks.setdefault(signpost_id, signpost.mark)

    def base(signpost_id: str) -> Signpost | None:
        return directory.get(signpost_id)

    if "online_report" in fields:
        url = _url(reader, fields["online_report"], "online_report")
        generic = base(ONLINE_REPORT_ID)
        if url is not None and force is not None:
            add(ONLINE_REPORT_ID, Signpost(ONLINE_REPORT_ID, generic.name if generic else force,
                                           generic.when if generic else "", None, url,
                                           mark=reader.mark(fields["online_report"])))
    if "spoc" in fields:
        spoc = reader.mapping(fields["spoc"], "spoc", ("name",), ("phone", "url", "how"))
        if spoc is not None:
            name = reader.text(spoc.get("name"), "the spoc name")
            phone = _phone(reader, spoc.get("phone"), "spoc")
            url = _url(reader, spoc.get("url"), "spoc")
            how = reader.text(spoc.get("how"), "how to reach the spoc") if "how" in spoc else None
            if not {"phone", "url", "how"} & set(spoc):
                reader.error(fields["spoc"], "spoc has no phone, url or how.", "add 'phone:', 'url:' or 'how:'.")
            elif name is not None:
                generic = base(SPOC_ID)
                add(SPOC_ID, Signpost(SPOC_ID, name, generic.when if generic else "", phone, url, how,
                                      mark=reader.mark(fields["spoc"])))
    for item in reader.sequence(fields.get("areas"), "areas"):
        area = reader.mapping(item, "an area", ("name",), AREA_SERVICES)
        if area is None:
            continue
        area_name = reader.text(area.get("name"), "the area name")
        if not set(AREA_SERVICES) & set(area):
            reader.error(item, f"area '{area_name}' has no contacts.",
                         f"add one or more of: {', '.join(AREA_SERVICES)}.")
        for service in AREA_SERVICES:
            contact = _contact(reader, area.get(service), service)
            if contact is None or area_name is None:
                continue
            generic = base(service)
            name = f"{generic.name}: {area_name}" if generic else area_name
            add(service, Signpost(service, name, generic.when if generic else "", contact[0], contact[1],
                                  mark=reader.mark(area[service])))
    explicit: dict[str, Signpost] = {}
    if "signposts" in fields:
        explicit = build_signposts(reader, _only(node, "signposts"))  # type: ignore[arg-type]
    for signpost_id, signpost in explicit.items():
        if signpost_id in derived:
            reader.error(signpost.mark, f"signpost '{signpost_id}' is also given by the profile's "
                         f"{'areas' if signpost_id in AREA_SERVICES else 'spoc or online_report'} "
                         f"(line {derived_marks[signpost_id].line}).",
                         "give it once: remove this entry or the other.")
            continue
        derived[signpost_id] = [signpost]
    for signpost_id in derived:
        if signpost_id not in directory and signpost_id not in explicit:
            reader.warning(derived_marks[signpost_id], f"the directory has no '{signpost_id}' entry, so no "
                           "flow can show these contacts.",
                           f"add a generic '{signpost_id}' entry to flows/signposts.yaml and name it in outcomes.")
    if force is None or nation is None:
        return None
    overrides = {key: tuple(value) for key, value in derived.items()}
    return LocalProfile(force, nation, reader.path, overrides, reader.mark(node))


def load_profile(path: Path, shown: str, directory: dict[str, Signpost], language: str = "en",
                 cache: dict[str, Node | Problem] | None = None) -> tuple[LocalProfile | None, list[Problem]]:
    """Read and check a profile against the directory; the problems say file:line:column."""
    reader = Reader(shown)
    if not path.is_file():
        reader.error(Mark(shown, 1, 1), "the local profile does not exist.",
                     f"check the path in {LOCAL_ENV} (e.g. flows/local/example.yaml).")
        return None, reader.problems
    node = compose_file(str(path), shown, cache)
    if isinstance(node, Problem):
        return None, [node]
    profile = _build(reader, localise(reader, node, "profile", language)[0], directory)
    return profile, reader.problems
