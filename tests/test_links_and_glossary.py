"""Issue 13's checks on the shipped content: link hygiene over every URL (flows, directory,
glossary, example profile), statutes on legislation.gov.uk, glossary coverage and the required
terms, the example profile's fictional contacts, and the validator clean with and without it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.flows import FlowSet, load_flows, validate_paths
from bot.flows.build import UI_NEW
from bot.flows.glossary import check_coverage, flow_texts, signpost_texts
from bot.flows.links import link_problem, statute_problem
from tests.conftest import FLOWS, CliRunner

EXAMPLE = FLOWS / "local" / "example.yaml"
REQUIRED_TERMS = ("NRM", "FRO", "DtN", "RG", "CG", "ICTG", "MASH", "SPOC", "SCA", "IECA", "CCE", "CSE", "OIC",
                  "HSC Trust", "CPS")
DRAMA_NUMBER = re.compile(r"^01632 960\d\d\d$")


def _every_link(flowset: FlowSet) -> list[tuple[str, str, str]]:
    """(where, title, url) for every web address the shipped content holds."""
    links = [(f"{flow.id} source {s.id}", s.title, s.url) for flow in flowset.flows.values() for s in flow.sources]
    links += [(f"signpost {s.id}", s.name, s.url) for s in flowset.signposts.values() if s.url]
    assert flowset.glossary is not None
    links += [(f"glossary {t.term}", t.term, t.source) for t in flowset.glossary.terms]
    assert flowset.local is not None
    links += [(f"profile {s.id}", s.name, s.url) for group in flowset.local.overrides.values()
              for s in group if s.url]
    return links


def test_every_link_follows_the_link_rules() -> None:
    flowset = load_flows(FLOWS, local=EXAMPLE)
    links = _every_link(flowset)
    assert len(links) > 50
    broken = [f"{where}: {url} {problem}" for where, _, url in links if (problem := link_problem(url))]
    assert broken == []


ACT = re.compile(r"[A-Z][\w ()',-]*?\b(?:Act|Regulations|Order)\b(?: \([A-Za-z ]+\))? (?:1[89]|20)\d\d")


def test_statutes_link_to_legislation_gov_uk() -> None:
    """A statute links to legislation.gov.uk. A copy elsewhere may stay only as an extra
    citation: titled as a copy, in a flow that also cites the same Act on legislation.gov.uk."""
    flowset = load_flows(FLOWS, local=EXAMPLE)
    statutes = [(where, url) for where, title, url in _every_link(flowset) if statute_problem(title, "https://x.example")]
    assert len(statutes) >= 3, "the flows cite Acts"
    wrong = [f"{where}: {url}" for where, title, url in _every_link(flowset)
             if statute_problem(title, url) and where.split(" ")[0] not in flowset.flows]
    for flow in flowset.flows.values():
        on_legislation = {m.group(0) for s in flow.sources if not statute_problem(s.title, s.url)
                          and "legislation.gov.uk" in s.url for m in [ACT.search(s.title)] if m}
        for source in flow.sources:
            if statute_problem(source.title, source.url):
                act = ACT.search(source.title)
                extra = "copy" in source.title.lower() and act is not None and act.group(0) in on_legislation
                if not extra:
                    wrong.append(f"{flow.id} source {source.id}: {source.url}")
    assert wrong == []


def test_every_abbreviation_in_the_flows_is_in_the_glossary(flowset: FlowSet) -> None:
    assert flowset.glossary is not None, "the shipped folder has flows/glossary.yaml"
    texts = [text for flow in flowset.flows.values() for text in flow_texts(flow)]
    texts += signpost_texts(flowset.signposts.values())
    assert len(texts) > 500
    assert [str(p) for p in check_coverage(flowset.glossary, texts)] == []


def test_the_glossary_defines_the_required_terms(flowset: FlowSet) -> None:
    assert flowset.glossary is not None
    missing = [term for term in REQUIRED_TERMS if flowset.glossary.lookup(term) is None]
    assert missing == []
    for term in flowset.glossary.terms:
        assert term.definition.strip(), term.term


def test_the_shipped_ui_has_issue_13s_texts(flowset: FlowSet) -> None:
    assert [key for key in UI_NEW if key not in flowset.ui] == []
    assert len(flowset.ui["glossary_label"]) <= 64
    assert len(flowset.ui["help"]) <= 1500
    assert "/glossary" in flowset.ui["help"] or "glossary" in flowset.ui["help"].lower()


def test_the_example_profile_is_clearly_fictional() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "fictional" in text.splitlines()[0].lower()
    data = yaml.safe_load(text)
    phones = re.findall(r"phone: \"?([\d ]+)\"?", text)
    assert phones, "the example has phone numbers"
    assert [p for p in phones if not DRAMA_NUMBER.match(p.strip())] == []
    urls = re.findall(r"https?://[^\s\"'}]+", text)
    hosts = {re.sub(r"^https?://", "", url).split("/")[0] for url in urls}
    assert hosts, "the example has web addresses"
    assert [h for h in hosts if not h.endswith(".example")] == []
    assert data["force"] == "Example Constabulary"


def test_validate_is_clean_with_and_without_the_example_profile(run_cli: CliRunner) -> None:
    assert [str(p) for p in validate_paths([FLOWS]) if p.is_error] == []
    assert [str(p) for p in validate_paths([FLOWS], local=EXAMPLE)] == []
    plain = run_cli("validate")
    with_profile = run_cli("validate", "--local", str(EXAMPLE.relative_to(FLOWS.parent)))
    assert (plain.returncode, with_profile.returncode) == (0, 0), plain.stdout + with_profile.stdout
    assert with_profile.stdout.strip().endswith("OK: no errors, 0 warning(s).")


def test_the_example_profile_sets_its_nation_and_force(tmp_path: Path) -> None:
    flowset = load_flows(FLOWS, local=EXAMPLE)
    assert flowset.local is not None
    assert flowset.local.force == "Example Constabulary"
    assert flowset.local.nation in ("england", "wales", "scotland", "northern_ireland")
