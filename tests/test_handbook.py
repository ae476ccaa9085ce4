"""The offline handbook: valid HTML5, no network, every step and outcome, demo paths, a real browser."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from datetime import date
from html import escape, unescape
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import pytest

from bot.diagrams import diagram_mermaid, graphviz_available
from bot.flows import FlowSet, Outcome, Question, load_flows
from bot.flows.text import expand
from bot.handbook import FIGURES_FILE, Handbook, flow_file, state_anchor, write_handbook
from tests.conftest import FLOWS, CliRunner
from tests.test_diagrams import ODD_FLOW

DAY = date(2026, 12, 1)
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


@pytest.fixture(scope="module")
def handbook(flowset: FlowSet, tmp_path_factory: pytest.TempPathFactory) -> Handbook:
    """The handbook of the shipped flows, stories and figures, written once."""
    return write_handbook(flowset, tmp_path_factory.mktemp("handbook"), today=DAY)


def parse(path: Path) -> Element:
    """Parse strictly: any HTML5 parse error fails the test."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    tree: Element = parser.parse(path.read_text(encoding="utf-8"))
    return tree


def text_of(element: Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def by_id(tree: Element, element_id: str) -> Element | None:
    return next((e for e in tree.iter() if e.get("id") == element_id), None)


def test_writes_an_index_a_page_per_flow_and_the_figures(handbook: Handbook, flowset: FlowSet) -> None:
    names = sorted(p.name for p in handbook.files)
    assert names == sorted(["index.html", FIGURES_FILE, *(flow_file(f) for f in flowset.flows)])
    assert handbook.figures >= 3
    index = parse(handbook.folder / "index.html")
    links = {a.get("href") for a in index.iter("a")}
    assert {flow_file(f) for f in flowset.flows} <= links
    assert FIGURES_FILE in links


def test_the_index_has_the_glossary(handbook: Handbook, flowset: FlowSet) -> None:
    """Issue 13: every glossary term with its meaning, definition and source."""
    assert flowset.glossary is not None
    index = parse(handbook.folder / "index.html")
    section = next(e for e in index.iter("dl") if e.get("class") == "glossary")
    terms = [text_of(dt) for dt in section.iter("dt")]
    assert len(terms) == len(flowset.glossary.terms)
    nrm = flowset.glossary.lookup("NRM")
    assert nrm is not None
    assert any(t.startswith(f"NRM ({nrm.meaning})") for t in terms)
    assert {a.get("href") for a in section.iter("a")} == {t.source for t in flowset.glossary.terms}


def test_every_page_is_strict_html5_with_a_print_stylesheet(handbook: Handbook) -> None:
    for path in handbook.files:
        tree = parse(path)
        assert tree.find(".//html") is not None or tree.tag == "html"
        assert "@media print" in path.read_text(encoding="utf-8"), path.name


def test_pages_need_no_network(handbook: Handbook, flowset: FlowSet) -> None:
    allowed = {s.url for f in flowset.flows.values() for s in f.sources}
    allowed |= {s.url for s in flowset.signposts.values() if s.url}
    allowed |= {t.source for t in flowset.glossary.terms} if flowset.glossary else set()  # issue 13
    for path in handbook.files:
        tree = parse(path)
        for tag in ("script", "link", "img", "iframe", "object", "embed", "base"):
            assert not list(tree.iter(tag)), f"{path.name} has a <{tag}>"
        for element in tree.iter():
            for name, value in element.attrib.items():
                assert name != "src", f"{path.name}: <{element.tag} src={value}>"
                if re.match(r"(?i)\s*https?:", value):
                    assert (element.tag, name) == ("a", "href"), f"{path.name}: {element.tag} {name}={value}"
                    assert value in allowed, f"{path.name} links to {value}, which is no source or service"
        raw = path.read_text(encoding="utf-8")
        assert "@import" not in raw
        assert "url(" not in raw
        assert set(re.findall(r"https?://[^\s\"'<>]+", unescape(raw))) <= allowed | {
            unescape(u) for u in allowed}, path.name


def test_flow_pages_hold_metadata_sources_every_step_and_every_outcome(handbook: Handbook, flowset: FlowSet) -> None:
    for flow in flowset.flows.values():
        tree = parse(handbook.folder / flow_file(flow.id))
        assert text_of(tree.find(".//h1")) == " ".join(flow.title.split())
        meta = text_of(tree.find(".//dl"))
        for value in (flow.id, flow.version, flow.status, ", ".join(flow.audience), flow.owner,
                      flow.reviewed_on.isoformat(), flow.review_due.isoformat()):
            assert " ".join(value.split()) in meta, (flow.id, value)
        links = {(a.get("href"), text_of(a)) for a in tree.iter("a")}
        for source in flow.sources:
            assert (source.url, " ".join(source.title.split())) in links, (flow.id, source.id)
        ids = {e.get("id") for e in tree.iter() if e.get("id")}
        for href, _ in links:
            if href and href.startswith("#"):
                assert href[1:] in ids, f"{flow.id}: link {href} goes nowhere"
        for state in flow.states.values():
            section = by_id(tree, state_anchor(state.id))
            assert section is not None, (flow.id, state.id)
            content = text_of(section)
            assert " ".join(expand(state.text, flowset.signposts).split()) in content, (flow.id, state.id)
            if state.why is not None:
                assert " ".join(expand(state.why.text, flowset.signposts).split()) in content
            if isinstance(state, Question):
                for option in state.options:
                    assert " ".join(option.label.split()) in content
                links = [a.get("href") for a in section.iter("a")]
                assert all(f"#{state_anchor(o.next)}" in links for o in state.options)
            if isinstance(state, Outcome):
                section_links = {a.get("href") for a in section.iter("a")}
                for signpost_id in state.signposts:
                    signpost = flowset.signposts[signpost_id]
                    assert " ".join(signpost.name.split()) in content
                    if signpost.phone:
                        assert "tel:" + re.sub(r"[^\d+]", "", signpost.phone) in section_links
                    if signpost.url:
                        assert signpost.url in section_links


def test_the_diagram_is_inline_svg_linked_to_the_steps(handbook: Handbook, flowset: FlowSet) -> None:
    if not graphviz_available():
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz); the Mermaid fallback is tested below")
    for flow in flowset.flows.values():
        raw = (handbook.folder / flow_file(flow.id)).read_text(encoding="utf-8")
        assert raw.count("<svg") == 1
        for state_id in flow.states:
            assert f'xlink:href="#{state_anchor(state_id)}"' in raw, (flow.id, state_id)


def test_every_outcome_has_a_demo_path_in_the_handbook(handbook: Handbook, flowset: FlowSet) -> None:
    assert handbook.stories_problem is None, handbook.stories_problem
    missing = [f"{flow}:{outcome}" for flow, outcome in handbook.missing_demos]
    assert missing == [], "outcomes with no story (add one to flows/stories/): " + ", ".join(missing)
    broken = [f"{p.flow}/{p.story}: {'; '.join(p.failures)}" for p in handbook.broken_demos]
    assert broken == [], "demo paths that do not work:\n" + "\n".join(broken)
    for flow in flowset.flows.values():
        tree = parse(handbook.folder / flow_file(flow.id))
        for outcome in flow.outcomes():
            section = by_id(tree, f"demo-{outcome.id}")
            assert section is not None, (flow.id, outcome.id)
            demos = [d for d in section.iter("div") if d.get("class") == "demo"]
            assert demos, (flow.id, outcome.id)
            for demo in demos:
                steps = list(demo.iter("li"))
                assert steps
                command = text_of(demo.find("pre"))
                assert command.endswith(f"| referral-bot chat --training {flow.id}")


def odd_flows(folder: Path) -> FlowSet:
    folder.mkdir(parents=True)
    for name in ("signposts.yaml", "ui.yaml"):
        shutil.copy(FLOWS / name, folder / name)
    (folder / "odd_flow.yaml").write_text(ODD_FLOW, encoding="utf-8")
    stories = folder / "stories"
    stories.mkdir()
    (stories / "odd_flow.yaml").write_text(
        "flow: odd_flow\nstories:\n  - id: quick\n    title: A <quick> & easy one\n"
        "    choices: [first, continue]\n    outcome: end_here\n    says: [end]\n", encoding="utf-8")
    return load_flows(folder)


def test_text_is_escaped_and_missing_demos_are_flagged(tmp_path: Path) -> None:
    flowset = odd_flows(tmp_path / "flows")
    result = write_handbook(flowset, tmp_path / "out", today=DAY, figures_dir=tmp_path / "none")
    assert result.figures_problem is not None
    assert [p.name for p in result.files] == ["index.html", "odd_flow.html"]
    page = tmp_path / "out" / "odd_flow.html"
    raw = page.read_text(encoding="utf-8")
    parse(page)
    assert "<script>" not in raw
    assert "Pick one &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; go" in raw
    assert "<h1>Odd &lt;b&gt;flow&lt;/b&gt; &amp; &quot;quotes&quot;</h1>" in raw
    assert 'href="https://example.org/a?b=1&amp;c=2"' in raw
    assert "A &lt;quick&gt; &amp; easy one" in raw
    assert result.missing_demos == [("odd_flow", "other_end")]
    tree = parse(page)
    assert "No demo path yet" in text_of(by_id(tree, "demo-other_end"))


def test_cli_without_graphviz_writes_mermaid_source(run_cli: CliRunner, flowset: FlowSet, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_cli("handbook", "-o", str(tmp_path / "hb"), env={"PATH": str(empty)})
    assert result.returncode == 0, result.stderr
    # English: a page per flow, the index and the figures; Welsh (cy/): a page per flow and the index
    assert f"Wrote {2 * len(flowset.flows) + 3} page(s)" in result.stdout
    assert "Graphviz is not installed" in result.stdout
    flow = next(iter(flowset.flows.values()))
    tree = parse(tmp_path / "hb" / flow_file(flow.id))
    pre = next(p for p in tree.iter("pre") if p.get("class") == "mermaid-source")
    assert "".join(pre.itertext()) == diagram_mermaid(flow)
    assert not list(tree.iter("svg"))


def test_cli_refuses_a_file_as_output(run_cli: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    result = run_cli("handbook", "-o", str(target))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "taken" in result.stderr


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=90, check=False)


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the raw (filtered) scanlines of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        if kind == b"IDAT":
            chunks.append(data[position + 8:position + 8 + length])
        position += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; "
                                             "scripts/setup --dev does it)")
def test_headless_chromium_opens_the_index_follows_a_link_and_screenshots(
        handbook: Handbook, flowset: FlowSet, tmp_path: Path) -> None:
    index = (handbook.folder / "index.html").resolve()
    shown = chromium(tmp_path / "profile", "--dump-dom", index.as_uri())
    assert shown.returncode == 0, shown.stderr.decode(errors="replace")[-500:]
    dom = shown.stdout.decode()
    links = re.findall(r'<a href="([a-z0-9_]+\.html)">', dom)
    flow_links = [link for link in links if link[:-5] in flowset.flows]
    assert flow_links, "the index, as the browser built it, links to the flow pages"
    target = (index.parent / flow_links[0]).resolve()
    flow = flowset.flows[target.stem]
    followed = chromium(tmp_path / "profile", "--dump-dom", target.as_uri())
    page = followed.stdout.decode()
    assert f"<h1>{escape(flow.title, quote=False)}</h1>" in page
    assert f'id="{state_anchor(flow.start)}"' in page
    shot = tmp_path / "page.png"
    taken = chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600", target.as_uri())
    assert taken.returncode == 0
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 1600)
    assert shot.stat().st_size > 40_000, "a page with text and a diagram is not a blank image"
    assert len(set(pixels)) > 100
    assert sum(1 for b in pixels if b) > len(pixels) // 20
