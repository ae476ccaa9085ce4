"""Issue #13's additions to a flows folder, loaded after the flows: the glossary (optional in
a folder; the shipped one has it), the abbreviation check and a force's local profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from yaml.nodes import Node

from bot.flows.glossary import GLOSSARY_FILE, Glossary, build_glossary, check_coverage, flow_texts, signpost_texts
from bot.flows.i18n import BASE, localise
from bot.flows.local import LocalProfile, load_profile
from bot.flows.model import Flow, Mark, Signpost
from bot.flows.problems import Problem
from bot.flows.reader import Reader
from bot.flows.yamlsafe import compose_file

__all__ = ["load_extras"]


def _glossary(path: Path, shown: str, language: str,
              cache: dict[str, Node | Problem] | None) -> tuple[Glossary | None, list[Problem]]:
    if not path.is_file():
        return None, []
    reader = Reader(shown)
    node = compose_file(str(path), shown, cache)
    if isinstance(node, Problem):
        return None, [node]
    return build_glossary(reader, localise(reader, node, "glossary", language)[0]), reader.problems


def load_extras(folder: Path, flows: list[Flow], signposts: dict[str, Signpost], local: Path | None,
                display: Callable[[Path], str], language: str = BASE,
                cache: dict[str, Node | Problem] | None = None,
                ) -> tuple[Glossary | None, LocalProfile | None, list[Problem]]:
    """The glossary and profile in ``language``, and every problem: in them and in abbreviation
    coverage."""
    glossary, problems = _glossary(folder / GLOSSARY_FILE, display(folder / GLOSSARY_FILE), language, cache)
    profile = None
    if local is not None:
        profile, found = load_profile(local, display(local), signposts, language, cache)
        problems += found
    if glossary is not None:
        texts: list[tuple[str, Mark]] = []
        for flow in flows:
            texts += flow_texts(flow)
        texts += signpost_texts(signposts.values())
        if profile is not None:
            texts.append((profile.force, profile.mark))
            texts += signpost_texts(s for group in profile.overrides.values() for s in group)
        problems += check_coverage(glossary, texts)
    return glossary, profile, problems
