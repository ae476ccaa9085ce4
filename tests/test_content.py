"""The guidance content: metadata, sources, contacts, length, review flags, menus and figures.

Facts come from ``../shared/domain/facts.md`` and ``factcheck.md`` beside the repository;
the figures from the force presentation in ``../shared/seed/``. Tests that need those files
skip with a reason when they are absent.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.engine import Engine, Session
from bot.flows import Checklist, FlowSet, Outcome, Question
from bot.flows.links import normalise_link
from bot.flows.text import contacts_in, expand

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT.parent / "shared" / "domain"
FACTS = DOMAIN / "facts.md"
FACTCHECK = DOMAIN / "factcheck.md"
SEED = ROOT.parent / "shared" / "seed" / "force-presentation-msht-oic.txt"
FIGURES = ROOT / "data" / "figures"

AUDIENCE = {
    "report_concern": {"public", "partner", "trainer"},
    "nrm_referral": {"officer", "partner", "trainer"},
    "spot_the_signs": {"officer", "partner", "public", "trainer"},
    "exploitation_types": {"officer", "partner", "public", "trainer"},
    "smuggling_or_trafficking": {"officer", "partner", "trainer"},
    "s45_defence": {"officer", "trainer"},
}
MAX_STEP = 600

# Topics the fact sheet marks UNVERIFIED: any state that mentions one must carry a
# review_note that names it (pattern in the text, word expected in the note).
UNVERIFIED = [
    (r"fair work agency|report[^.]*(glaa|gangmasters)", "fair work agency"),
    (r"crime and policing act", "in force|into force"),
    (r"section 38", "section 38"),
    (r"section 13", "authorities"),
    (r"place of safety|places of safety", "places of safety"),
    (r"counting rules", "counting rules"),
    (r"enacted text", "amended|current"),
    (r"strong presumption", "draft"),
]
# Things that must never be said (factcheck N1, N7, N11; the SCA date in the seed).
FORBIDDEN = [
    (r"at least 90 days", "Scotland's support is 90 days or until the CG decision if earlier (N7)"),
    (r"0800 121 700", "the helpline number printed one digit short (N1)"),
    (r"0300 ?303 ?8151", "the Salvation Army's old number"),
    (r"29th april|april 2009|april 2019", "no SCA launch date may be stated"),
    (r"will (decide|make .*decision) within", "the RG timescale is an aim, never a promise (N11)"),
]


def _facts() -> str:
    if not FACTS.is_file():
        pytest.skip(f"the fact sheet {FACTS} is not present beside the repository")
    return FACTS.read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin:text.index(end, begin + len(start))]


def _fact_sources(facts: str) -> dict[str, list[str]]:
    listed = facts[facts.index("## Sources"):]
    sources: dict[str, list[str]] = {}
    for match in re.finditer(r"^- \[(S\d+)\] (.*)$", listed, re.MULTILINE):
        urls = [url.rstrip(";,)") for url in re.findall(r"https?://\S+", match.group(2))]
        sources[match.group(1)] = urls
    return sources


def _addendum(facts: str) -> str:
    """The fact sheet's "Review addendum (2 December 2026)" section (issue 13)."""
    return facts[facts.index("## Review addendum"):]


def _addendum_ids(facts: str) -> set[str]:
    """W ids of the addendum; ``W1b`` names the second address given in W1's paragraph."""
    ids = set(re.findall(r"\[(W\d+)\]", _addendum(facts)))
    return ids | {f"{i}b" for i in ids}


def _search_sources() -> dict[str, str]:
    """Pages found with the search tool, listed in docs/content.md with their address (X ids)."""
    text = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| (X\d+) \| (https://\S+) \|", text, re.MULTILINE))


def _cited_urls(facts: str) -> set[str]:
    """Every URL in the fact sheet or the search-tool table, as the link rules write it."""
    urls = {url.rstrip(";,).") for url in re.findall(r"https?://[^\s<>\]]+", facts)}
    urls |= set(_search_sources().values())
    return {normalise_link(url).rstrip("/") for url in urls}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _numbers_in(text: str) -> set[str]:
    return {_digits(m) for m in re.findall(r"\d[\d ]*\d|\d", text)}


def _rendered(engine: Engine, flow_id: str, state_id: str) -> str:
    flow = engine.flowset.flow(flow_id)
    session = Session(flow=flow_id, state=state_id, version=flow.version)
    return engine.current(session).text


def _all_texts(flowset: FlowSet) -> list[tuple[str, str]]:
    """(where, text) for every piece of flow text a person can read, expanded."""
    found = []
    for flow in flowset.flows.values():
        found += [(f"{flow.id} title", flow.title), (f"{flow.id} description", flow.description)]
        for state in flow.states.values():
            where = f"{flow.id}/{state.id}"
            found.append((where, state.text))
            if state.why is not None:
                found.append((f"{where} why", state.why.text))
            if state.review_note:
                found.append((f"{where} review_note", state.review_note))
            if isinstance(state, Question):
                found += [(f"{where} option", o.label) for o in state.options]
            if isinstance(state, Checklist):
                found += [(f"{where} item", i.label) for i in state.items]
    return [(where, expand(text, flowset.signposts)) for where, text in found]


# -- metadata and sources ------------------------------------------------------------------


def test_the_six_flows_exist_with_their_audiences(flowset: FlowSet) -> None:
    assert {f.id: set(f.audience) for f in flowset.flows.values()} == AUDIENCE


def test_every_flow_has_complete_review_metadata(flowset: FlowSet) -> None:
    for flow in flowset.flows.values():
        assert flow.status == "published", flow.id
        assert "SPOC" in flow.owner, flow.id
        assert flow.description, flow.id
        assert flow.reviewed_on >= date(2026, 11, 29), flow.id  # the second edition is 2026-12-02
        assert flow.reviewed_on < flow.review_due <= date(flow.reviewed_on.year + 1, 12, 31), flow.id
        assert flow.review_due > date.today(), flow.id
        assert re.fullmatch(r"\d+\.\d+\.\d+", flow.version), flow.id


def test_every_source_url_is_copied_from_the_fact_sheet(flowset: FlowSet) -> None:
    """S ids are the fact sheet's sources (compared as the link rules write URLs), W ids its
    review addendum's, X ids pages found with the search tool and listed in docs/content.md."""
    facts = _facts()
    known = _fact_sources(facts)
    addendum, searched, cited = _addendum_ids(facts), _search_sources(), _cited_urls(facts)
    for flow in flowset.flows.values():
        for source in flow.sources:
            url = normalise_link(source.url).rstrip("/")
            assert source.id in known or source.id in addendum or source.id in searched, \
                f"{flow.id}: {source.id} is not in the fact sheet or docs/content.md"
            if source.id in known:
                assert url in {normalise_link(u).rstrip("/") for u in known[source.id]}, \
                    f"{flow.id}: {source.id} has the URL {source.url}"
            assert url in cited, f"{flow.id}: {source.id} has the URL {source.url}"


def test_every_question_checklist_and_outcome_gives_its_reason(flowset: FlowSet) -> None:
    missing = [f"{f.id}/{s.id}" for f in flowset.flows.values() for s in f.states.values()
               if s.kind != "info" and s.why is None]
    assert missing == []


def test_every_signpost_cites_fact_sheet_sources(flowset: FlowSet) -> None:
    facts = _facts()
    known = set(_fact_sources(facts)) | _addendum_ids(facts) | set(_search_sources())
    for signpost in flowset.signposts.values():
        assert signpost.sources, signpost.id
        assert set(signpost.sources) <= known, signpost.id


# -- contacts ------------------------------------------------------------------------------


def test_every_phone_number_and_url_in_the_text_comes_from_the_directory(flowset: FlowSet) -> None:
    phones = {_digits(s.phone) for s in flowset.signposts.values() if s.phone}
    phones |= {_digits(m) for s in flowset.signposts.values() if s.how for _, _, m in contacts_in(s.how)}
    urls = {s.url for s in flowset.signposts.values() if s.url}
    texts = _all_texts(flowset) + [(f"ui {k}", expand(v, flowset.signposts)) for k, v in flowset.ui.items()]
    seen = 0
    for where, text in texts:
        for _, kind, found in contacts_in(text):
            seen += 1
            if kind == "phone number":
                assert _digits(found) in phones, f"{where}: {found}"
            else:
                assert found in urls, f"{where}: {found}"
    assert seen > 30  # the expanded {phone:...} placeholders really were checked


def test_the_directory_matches_the_quick_reference_card() -> None:
    facts = _facts()
    card = _section(facts, "## 0. Quick reference card", "## 1. Definitions")
    confirmed = set()
    if FACTCHECK.is_file():
        for row in FACTCHECK.read_text(encoding="utf-8").splitlines():
            if re.match(r"\| 1[a-k] \|", row) and "CONFIRMED" in row:
                confirmed |= _numbers_in(row)
    card_numbers = _numbers_in(card) | _numbers_in(_addendum(facts))  # issue 13: the addendum's numbers
    from bot.flows import load_flows

    signposts = load_flows(ROOT / "flows").signposts
    listed = {_digits(s.phone) for s in signposts.values() if s.phone}
    listed_how = {_digits(m) for s in signposts.values() if s.how for _, _, m in contacts_in(s.how)}
    for signpost in signposts.values():
        if signpost.phone:
            number = _digits(signpost.phone)
            assert number in card_numbers or number in confirmed, f"{signpost.id}: {signpost.phone}"
    for bold in re.findall(r"\*\*([\d ]+)\*\*", card):
        assert _digits(bold) in listed | listed_how, f"card number {bold} is missing from the directory"
    assert "03003038151" not in listed  # the card marks the old Salvation Army number as outdated
    assert "0800121700" not in listed  # the misprinted helpline number (N1)


def test_the_directory_follows_the_fact_check_notes(flowset: FlowSet) -> None:
    signposts = flowset.signposts
    assert signposts["modern_slavery_helpline"].phone == "08000 121 700"  # N1
    assert "asylum" in signposts["migrant_help"].name.lower()  # N4
    assert "not a line for reporting" in signposts["migrant_help"].when
    assert "Fair Work Agency" in (signposts["glaa"].review_note or "")
    assert "anyone" in signposts["salvation_army"].when  # N3
    assert signposts["msa_schedule_4"].url == "https://www.legislation.gov.uk/ukpga/2015/30/schedule/4"  # N8
    all_urls = " ".join(s.url or "" for s in signposts.values())
    assert "countylines" not in all_urls
    assert "drug-trafficking/county-lines" not in all_urls
    assert signposts["crimestoppers"].url == "https://crimestoppers-uk.org"  # N10
    assert signposts["modern_slavery_helpline"].url == "https://www.modernslaveryhelpline.org"  # N10


# -- plain English on a phone --------------------------------------------------------------


def test_every_step_fits_a_phone_screen(engine: Engine) -> None:
    for flow in engine.flowset.flows.values():
        for state in flow.states.values():
            text = _rendered(engine, flow.id, state.id)
            assert len(text) <= MAX_STEP, f"{flow.id}/{state.id} is {len(text)} characters"


def test_help_and_about_say_guidance_not_legal_advice_and_force_policy(flowset: FlowSet) -> None:
    for key in ("help", "about"):
        text = flowset.ui[key].lower()
        for phrase in ("not legal advice", "force", "policy"):
            assert phrase in text, key


def test_every_flow_starts_with_immediate_danger(engine: Engine) -> None:
    for flow in engine.flowset.flows.values():
        start = flow.states[flow.start]
        text = _rendered(engine, flow.id, flow.start)
        to_999 = isinstance(start, Question) and any(
            isinstance(o, Outcome) and "police_emergency" in o.signposts
            for o in (flow.states[option.next] for option in start.options))
        assert "999" in text or to_999, flow.id


def test_outcomes_offer_a_next_step_except_the_999_calls(flowset: FlowSet) -> None:
    for flow in flowset.flows.values():
        for outcome in flow.outcomes():
            assert outcome.signposts, f"{flow.id}/{outcome.id}"
            if outcome.signposts != ("police_emergency",):
                assert outcome.next_flows, f"{flow.id}/{outcome.id}"


# -- facts that must be right --------------------------------------------------------------


def test_unverified_topics_carry_a_review_note(flowset: FlowSet) -> None:
    checked = 0
    for flow in flowset.flows.values():
        for state in flow.states.values():
            text = expand(state.text, flowset.signposts).lower()
            for pattern, note_word in UNVERIFIED:
                if re.search(pattern, text):
                    checked += 1
                    note = (state.review_note or "").lower()
                    assert re.search(note_word, note), f"{flow.id}/{state.id} mentions {pattern!r}"
    assert checked >= 8  # issue 13 took some unsettled claims out of the text altogether


def test_nothing_forbidden_is_said(flowset: FlowSet) -> None:
    for where, text in _all_texts(flowset):
        for pattern, why in FORBIDDEN:
            assert not re.search(pattern, text, re.IGNORECASE), f"{where}: {why}"
    for where, text in _all_texts(flowset):
        if "single competent authority" in text.lower():
            assert not re.search(r"\b(19|20)\d\d\b", text), f"{where}: no SCA launch date"


def test_the_reasonable_grounds_timescale_is_an_aim(flowset: FlowSet) -> None:
    mentions = [(w, t) for w, t in _all_texts(flowset) if "working days" in t and "5 working" in t]
    assert len(mentions) >= 3
    for where, text in mentions:
        assert "where possible" in text, where
        assert re.search(r"\baims?\b", text), where


def test_recovery_periods_differ_by_jurisdiction(flowset: FlowSet) -> None:
    nrm = flowset.flow("nrm_referral")
    assert "at least 30 days" in nrm.states["next_ew"].text
    assert "90 days, or until the conclusive grounds decision if that comes first" in nrm.states["next_scot"].text
    assert "45 days, or longer" in nrm.states["next_ni"].text
    for state_id in ("next_ew", "next_scot", "next_ni"):
        assert "balance of probabilities" in nrm.states[state_id].text


def test_children_are_always_referred_without_consent(flowset: FlowSet) -> None:
    nrm = flowset.flow("nrm_referral")
    child = nrm.states["child_ew"].text
    assert "children's services now" in child
    assert "always make an" in child
    assert "does not need to consent" in child
    assert "Duty to Notify can never" in child
    assert "ictg" in nrm.states["child_nrm_ew"].signposts  # type: ignore[attr-defined]


def test_the_s45_flow_is_never_legal_advice_and_never_lists_schedule_4(flowset: FlowSet) -> None:
    s45 = flowset.flow("s45_defence")
    assert "not legal advice" in s45.states[s45.start].text
    for outcome in s45.outcomes():
        assert "not legal advice" in outcome.text, outcome.id
    schedule = s45.states["schedule_4"].text
    assert "including murder, rape, robbery, firearms and arson offences" in schedule
    assert "do not rely on memory" in schedule
    for outcome_id in ("may_apply", "excluded"):
        assert "msa_schedule_4" in s45.states[outcome_id].signposts  # type: ignore[attr-defined]


def test_spot_the_signs_has_the_presentation_indicators_and_the_guidance_groups(flowset: FlowSet) -> None:
    signs = flowset.flow("spot_the_signs").states["signs"]
    assert isinstance(signs, Checklist)
    labels = " | ".join(item.label.lower() for item in signs.items)
    for phrase in ("alcohol or drug misuse", "mental health", "poor education or additional learning needs",
                   "homeless or malnourished", "debt bondage", "holds their id", "controls their money",
                   "extremely frightened or traumatised", "does not see themselves as a victim",
                   "injuries", "speaks for them", "lives where they work", "no days off"):
        assert phrase in labels, phrase
    child = flowset.flow("spot_the_signs").states["child_signs"]
    assert isinstance(child, Checklist)
    assert len(child.items) >= 10


def test_county_lines_names_the_nca_only_as_coordinating(flowset: FlowSet) -> None:
    for where, text in _all_texts(flowset):
        if "national crime agency" in text.lower() and "county" in text.lower():
            assert "coordinat" in text.lower(), where


# -- menus ---------------------------------------------------------------------------------


def test_every_flow_is_on_the_menu_for_each_of_its_audiences(engine: Engine) -> None:
    for role in ("officer", "partner", "public", "trainer"):
        session = engine.new_session(role=role)
        menu = {option.id for option in engine.current(session).options}
        expected = {flow_id for flow_id, roles in AUDIENCE.items() if role in roles}
        assert menu == expected, role
        for flow_id in expected:
            assert engine.choose(engine.new_session(role=role), flow_id).flow == flow_id


# -- trainers' figures ---------------------------------------------------------------------


def _figures() -> list[dict[str, str]]:
    data = yaml.safe_load((FIGURES / "figures.yaml").read_text(encoding="utf-8"))
    figures: list[dict[str, str]] = data["figures"]
    return figures


def _table(name: str) -> tuple[list[str], list[list[str]]]:
    with (FIGURES / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def test_the_figures_are_listed_with_their_source() -> None:
    figures = _figures()
    assert [f["id"] for f in figures] == ["reporting_channels", "investigation_outcomes", "enforcement_work"]
    for figure in figures:
        assert set(figure) == {"id", "title", "file", "source", "notes"}
        assert (FIGURES / figure["file"]).is_file()
        assert figure["source"].startswith("Force presentation: Modern Slavery / Human Trafficking")
        assert "DS Chris Perry" in figure["source"]


def test_each_table_parses_and_adds_up_to_its_grand_total() -> None:
    totals = {}
    for figure in _figures():
        header, rows = _table(figure["file"])
        assert all(len(row) == len(header) for row in rows)
        numbers = [[int(v) for v in row[1:]] for row in rows]
        if rows[-1][0] == "Grand Total":
            sums = [sum(col) for col in zip(*numbers[:-1], strict=True)]
            assert sums == numbers[-1], figure["id"]
            totals[figure["id"]] = numbers[-1]
    assert totals == {"reporting_channels": [270, 285, 344, 361],
                      "investigation_outcomes": [220, 245, 278, 250]}
    header, rows = _table("enforcement_work_2022_09_to_2024_01.csv")
    assert header[1:] == ["Sep-22", "Oct-22", "Nov-22", "Dec-22", "Jan-23", "Feb-23", "Mar-23", "Apr-23",
                          "May-23", "Jun-23", "Jul-23", "Aug-23", "Sep-23", "Oct-23", "Nov-23", "Dec-23",
                          "Jan-24"]
    by_measure = {row[0]: [int(v) for v in row[1:]] for row in rows}
    assert all(freed <= met for freed, met in zip(by_measure["PVOT liberated"],
                                                  by_measure["PVOT engaged with"], strict=True))


def test_every_figure_is_copied_exactly_from_the_presentation() -> None:
    if not SEED.is_file():
        pytest.skip(f"the force presentation {SEED} is not present beside the repository")
    seed: list[tuple[str, list[int]]] = []  # (label, numbers) for each table row, in order
    for line in SEED.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if len(cells) > 1 and all(c.isdigit() for c in cells[1:]):
            seed.append((re.sub(r"\W", "", cells[0]).lower(), [int(c) for c in cells[1:]]))
    compared = 0
    for figure in _figures():
        _, rows = _table(figure["file"])
        keys = [re.sub(r"\W", "", row[0]).lower() for row in rows]
        at = [label for label, _ in seed].index(keys[0])  # the table starts at its first row
        for key, row in zip(keys, rows, strict=True):
            at = next(i for i in range(at, len(seed)) if seed[i][0] == key)
            assert seed[at][1] == [int(v) for v in row[1:]], f"{figure['file']}: {row[0]}"
            compared += 1
    assert compared == 15 + 16 + 4
