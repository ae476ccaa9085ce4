"""Load and validate a flows folder: flow files, ``signposts.yaml`` and ``ui.yaml``."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from yaml.nodes import Node

from bot.flows.build import build_flow, build_signposts, build_ui
from bot.flows.checks import check_flow, check_ui
from bot.flows.extras import load_extras
from bot.flows.glossary import GLOSSARY_FILE
from bot.flows.i18n import BASE, LANGUAGES, FileKind, Languages, localise
from bot.flows.limits import ChannelLimits
from bot.flows.model import Flow, FlowSet, Mark, Signpost
from bot.flows.problems import FlowError, Problem
from bot.flows.reader import Reader
from bot.flows.yamlsafe import compose_file
from bot.paths import default_flows_dir

__all__ = ["SIGNPOSTS_FILE", "UI_FILE", "Catalogue", "default_flows_dir", "load_catalogue", "load_flows",
           "validate_paths"]

SIGNPOSTS_FILE = "signposts.yaml"
UI_FILE = "ui.yaml"
_SPECIAL = (SIGNPOSTS_FILE, UI_FILE, GLOSSARY_FILE)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def _flow_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.name not in _SPECIAL and p.suffix in (".yaml", ".yml"))


Composed = dict[str, Node | Problem]
"""Files already composed while loading one folder, by path (each is read once, whatever the language)."""


def _read(path: Path, kind: FileKind = "flow", language: str = BASE,
          cache: Composed | None = None) -> tuple[Reader, object, Languages]:
    reader = Reader(_display(path))
    node = compose_file(str(path), reader.path, cache)
    if isinstance(node, Problem):
        reader.problems.append(node)
        return reader, None, Languages()
    localised, languages = localise(reader, node, kind, language)
    return reader, localised, languages


def _ui_languages(folder: Path, cache: Composed) -> tuple[str, ...]:
    """The languages the interface texts declare: the languages the folder is offered in."""
    return _read(folder / UI_FILE, "ui", BASE, cache)[2].declared if (folder / UI_FILE).is_file() else (BASE,)


def _load_folder(folder: Path, today: date, limits: Sequence[ChannelLimits] = (),
                 local: Path | None = None, language: str = BASE,
                 cache: Composed | None = None) -> tuple[FlowSet | None, list[Problem]]:
    problems: list[Problem] = []
    if not folder.is_dir():
        where = Mark(_display(folder), 1, 1)
        return None, [Problem(where, "the flows folder does not exist.",
                              "pass the folder that holds the flow files, or set REFERRAL_BOT_FLOWS.")]
    signposts: dict[str, Signpost] = {}
    reader, node, _ = _read(folder / SIGNPOSTS_FILE, "signposts", language, cache)
    if node is not None:
        signposts = build_signposts(reader, node)  # type: ignore[arg-type]
    problems += reader.problems
    ui: dict[str, str] = {}
    emergency: list[tuple[str, Mark]] = []
    reader, node, ui_languages = _read(folder / UI_FILE, "ui", language, cache)
    if node is not None:
        ui, marks, emergency = build_ui(reader, node)  # type: ignore[arg-type]
        problems += check_ui(ui, marks, emergency, signposts)
    problems += reader.problems
    flows: dict[str, Flow] = {}
    built: list[tuple[Flow, Reader]] = []
    ids: dict[str, str] = {}
    for path in _flow_files(folder):
        reader, node, languages = _read(path, "flow", language, cache)
        flow, flow_id = build_flow(reader, node) if node is not None else (None, None)  # type: ignore[arg-type]
        if flow is not None:  # issue 15: the language this copy is in, and the file's translations
            flow = dataclasses.replace(flow, language=language if language in languages.declared else BASE,
                                       languages=languages.declared, translation=languages.translation)
        problems += reader.problems
        if flow_id and flow_id in ids:
            problems.append(Problem(Mark(reader.path, 1, 1), f"flow id '{flow_id}' is also used by {ids[flow_id]}.",
                                    "give every flow a different id."))
            continue
        if flow_id:
            ids[flow_id] = reader.path
        if flow is not None:
            built.append((flow, reader))
    if not ids and not any(p.is_error for p in problems):
        problems.append(Problem(Mark(_display(folder), 1, 1), "the folder holds no flow files.",
                                "add at least one <flow_id>.yaml file; see flows/README.md."))
    for flow, _ in built:
        problems += check_flow(flow, signposts, set(ids), today, limits)
        flows[flow.id] = flow
    glossary, profile, found = load_extras(folder, list(flows.values()), signposts, local, _display,
                                           language, cache)  # issue 13
    problems += found
    warnings = tuple(str(p) for p in problems if not p.is_error)
    flowset = FlowSet(flows, signposts, ui, tuple(s for s, _ in emergency), _display(folder), warnings,
                      glossary=glossary, local=profile, language=language,
                      ui_translation=ui_languages.translation.get(language))
    return flowset, problems


def _load_all(folder: Path, today: date, limits: Sequence[ChannelLimits], local: Path | None,
              languages: Sequence[str], cache: Composed | None = None) -> tuple[dict[str, FlowSet], list[Problem]]:
    """The folder in each language, and every problem once (most would repeat in each language)."""
    sets: dict[str, FlowSet] = {}
    problems: list[Problem] = []
    seen: set[str] = set()
    cache = {} if cache is None else cache
    for language in languages:
        flowset, found = _load_folder(folder, today, limits, local, language, cache)
        if flowset is not None:
            sets[language] = flowset
        for problem in found:
            if str(problem) not in seen:
                seen.add(str(problem))
                problems.append(problem)
        if flowset is None:
            break
    return sets, problems


@dataclasses.dataclass(frozen=True, slots=True)
class Catalogue:
    """The flows folder in every language its interface texts declare (issue 15)."""

    sets: dict[str, FlowSet]

    @property
    def languages(self) -> tuple[str, ...]:
        """Language codes, English first."""
        return tuple(self.sets)

    @property
    def base(self) -> FlowSet:
        """The English flow set."""
        return self.sets[BASE]

    def __getitem__(self, language: str) -> FlowSet:
        return self.sets[language]


def load_catalogue(folder: Path | str | None = None, *, today: date | None = None,
                   limits: Sequence[ChannelLimits] = (), local: Path | str | None = None) -> Catalogue:
    """Load and validate every flow in English and in each language ``ui.yaml`` declares; raise
    :class:`FlowError` listing all errors, in any language, if any."""
    path = Path(folder) if folder else default_flows_dir()
    cache: Composed = {}
    sets, problems = _load_all(path, today or date.today(), limits, Path(local) if local else None,
                               _ui_languages(path, cache) if path.is_dir() else (BASE,), cache)
    if BASE not in sets or any(p.is_error for p in problems):
        raise FlowError(problems)
    return Catalogue(sets)


def load_flows(folder: Path | str | None = None, *, today: date | None = None,
               limits: Sequence[ChannelLimits] = (), local: Path | str | None = None) -> FlowSet:
    """Load and validate every flow (and the force's profile ``local``, if given); raise
    :class:`FlowError` listing all errors if any.

    ``limits`` are those of the channels that will show the flows (see ``bot.flows.limits``).
    Only the English texts are returned; :func:`load_catalogue` returns every language.
    """
    return load_catalogue(folder, today=today, limits=limits, local=local).base


def validate_paths(paths: list[Path], *, today: date | None = None,
                   limits: Sequence[ChannelLimits] = (), local: Path | None = None) -> list[Problem]:
    """Problems (errors and warnings) for folders, or for single files within their folder, in
    every language, including every place a flow does not fit in one of the channels' ``limits``."""
    problems: list[Problem] = []
    day = today or date.today()
    every = tuple(LANGUAGES)
    for path in paths or [default_flows_dir()]:
        if path.is_dir():
            problems += _load_all(path, day, limits, local, every)[1]
            continue
        if not path.exists():
            problems.append(Problem(Mark(_display(path), 1, 1), "the file does not exist.",
                                    "check the path."))
            continue
        shown = _display(path)
        folder_problems = _load_all(path.parent, day, limits, local, every)[1]
        wanted = {shown, _display(local)} if local is not None else {shown}  # issue 13: and the profile
        problems += [p for p in folder_problems if p.mark.path in wanted]
        if path.name not in _SPECIAL and path.suffix not in (".yaml", ".yml"):
            reader, node, _ = _read(path)
            if node is not None:
                build_flow(reader, node)  # type: ignore[arg-type]
            problems += reader.problems
    return problems
