"""Load and validate a flows folder: flow files, ``signposts.yaml`` and ``ui.yaml``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.flows.build import build_flow, build_signposts, build_ui
from bot.flows.checks import check_flow, check_ui
from bot.flows.extras import load_extras
from bot.flows.glossary import GLOSSARY_FILE
from bot.flows.limits import ChannelLimits
from bot.flows.model import Flow, FlowSet, Mark, Signpost
from bot.flows.problems import FlowError, Problem
from bot.flows.reader import Reader
from bot.flows.yamlsafe import compose_file
from bot.paths import default_flows_dir

__all__ = ["SIGNPOSTS_FILE", "UI_FILE", "default_flows_dir", "load_flows", "validate_paths"]

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


def _read(path: Path) -> tuple[Reader, object]:
    reader = Reader(_display(path))
    node = compose_file(str(path), reader.path)
    if isinstance(node, Problem):
        reader.problems.append(node)
        return reader, None
    return reader, node


def _load_folder(folder: Path, today: date, limits: Sequence[ChannelLimits] = (),
                 local: Path | None = None) -> tuple[FlowSet | None, list[Problem]]:
    problems: list[Problem] = []
    if not folder.is_dir():
        where = Mark(_display(folder), 1, 1)
        return None, [Problem(where, "the flows folder does not exist.",
                              "pass the folder that holds the flow files, or set REFERRAL_BOT_FLOWS.")]
    signposts: dict[str, Signpost] = {}
    reader, node = _read(folder / SIGNPOSTS_FILE)
    if node is not None:
        signposts = build_signposts(reader, node)  # type: ignore[arg-type]
    problems += reader.problems
    ui: dict[str, str] = {}
    emergency: list[tuple[str, Mark]] = []
    reader, node = _read(folder / UI_FILE)
    if node is not None:
        ui, marks, emergency = build_ui(reader, node)  # type: ignore[arg-type]
        problems += check_ui(ui, marks, emergency, signposts)
    problems += reader.problems
    flows: dict[str, Flow] = {}
    built: list[tuple[Flow, Reader]] = []
    ids: dict[str, str] = {}
    for path in _flow_files(folder):
        reader, node = _read(path)
        flow, flow_id = build_flow(reader, node) if node is not None else (None, None)  # type: ignore[arg-type]
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
    glossary, profile, found = load_extras(folder, list(flows.values()), signposts, local, _display)  # issue 13
    problems += found
    warnings = tuple(str(p) for p in problems if not p.is_error)
    flowset = FlowSet(flows, signposts, ui, tuple(s for s, _ in emergency), _display(folder), warnings,
                      glossary=glossary, local=profile)
    return flowset, problems


def load_flows(folder: Path | str | None = None, *, today: date | None = None,
               limits: Sequence[ChannelLimits] = (), local: Path | str | None = None) -> FlowSet:
    """Load and validate every flow (and the force's profile ``local``, if given); raise
    :class:`FlowError` listing all errors if any.

    ``limits`` are those of the channels that will show the flows (see ``bot.flows.limits``).
    """
    flowset, problems = _load_folder(Path(folder) if folder else default_flows_dir(), today or date.today(),
                                     limits, Path(local) if local else None)
    if flowset is None or any(p.is_error for p in problems):
        raise FlowError(problems)
    return flowset


def validate_paths(paths: list[Path], *, today: date | None = None,
                   limits: Sequence[ChannelLimits] = (), local: Path | None = None) -> list[Problem]:
    """Problems (errors and warnings) for folders, or for single files within their folder,
    including every place a flow does not fit in one of the channels' ``limits``."""
    problems: list[Problem] = []
    day = today or date.today()
    for path in paths or [default_flows_dir()]:
        if path.is_dir():
            problems += _load_folder(path, day, limits, local)[1]
            continue
        if not path.exists():
            problems.append(Problem(Mark(_display(path), 1, 1), "the file does not exist.",
                                    "check the path."))
            continue
        shown = _display(path)
        folder_problems = _load_folder(path.parent, day, limits, local)[1]
        wanted = {shown, _display(local)} if local is not None else {shown}  # issue 13: and the profile
        problems += [p for p in folder_problems if p.mark.path in wanted]
        if path.name not in _SPECIAL and path.suffix not in (".yaml", ".yml"):
            reader, node = _read(path)
            if node is not None:
                build_flow(reader, node)  # type: ignore[arg-type]
            problems += reader.problems
    return problems
