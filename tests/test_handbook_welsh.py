"""The trainers' handbook in Welsh (issue 15): the handbook's own words come from
``bot/handbook/texts.yaml``, so a Welsh page has no English handbook word outside a
``lang="en"`` element, and the English pages are what they were. Real files, html5lib's strict
parser, the real CLI as a subprocess for the pages drawn without Graphviz."""

from __future__ import annotations

import ast
import re
import string
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
import yaml

from bot.diagrams import graphviz_available
from bot.flows import Catalogue
from bot.handbook import Handbook, write_handbook
from tests.conftest import ROOT, CliRunner
from tests.test_handbook import parse
from tests.web.welsh import WELSH_QUESTION

DAY = date(2026, 12, 3)

# The handbook's own words in English, as it writes them (the Welsh pages must have none of
# them outside lang="en"; the English pages must still have them).
ENGLISH_PHRASES = (
    "trainers' handbook", "All flows", "Made with", "Phone:", "Web:", "When:", "Check before use:", "Flow id",
    "Reviewed on", "Review due", "Try it", "in Telegram", "Every step", "Leads to", "Why:", "(Source:",
    "Reached from:", "Suggested next:", "Demo paths for trainers", "Each outcome with the scripted stories",
    "The outcome mentions:", "Green boxes are outcomes", "Mermaid source", "Running a session",
    "Chat through a flow", "Project a flow's diagram", "Print any page", "Services directory",
    "The presentation's figures", "the tables trainers show", "also written", "review due",
    "Tick any that apply", "The first rule that matches decides:", "Otherwise",
)
ENGLISH_LABELS = {  # a whole element's text
    "th": {"Answer", "Id", "Leads to"},
    "dt": {"Title", "Version", "Status", "Audience", "Owner"},
    "dd": {"published", "draft"},
    "h2": {"Sources", "Steps", "Flows", "Emergency", "Figures", "Glossary"},
    "h4": {"Services"},
    "span": {"question", "checklist", "info", "outcome", "start", "draft"},
}
SWITCH = re.compile(r' <a href="cy/[^"]*" lang="cy" hreflang="cy" data-language="cy">Cymraeg</a>')


@pytest.fixture(scope="module")
def both(welsh_catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Handbook:
    return write_handbook(welsh_catalogue, tmp_path_factory.mktemp("both"), today=DAY)


def welsh_text(element: Element) -> str:
    """The text of ``element`` without what is inside a ``lang="en..."`` element."""
    if (element.get("lang") or "").startswith("en"):
        return element.tail or ""
    inner = (element.text or "") + "".join(welsh_text(child) for child in element)
    return inner + (element.tail or "")


def english_left(tree: Element) -> list[str]:
    """The English handbook words in a page, outside ``lang="en"`` elements."""
    body = tree.find(".//body")
    assert body is not None
    text = " ".join(welsh_text(body).split())
    found = [p for p in ENGLISH_PHRASES if p in text]
    for tag, labels in ENGLISH_LABELS.items():
        for element in body.iter(tag):
            words = " ".join(welsh_text(element).removesuffix(element.tail or "").split())
            if words in labels:
                found.append(f"<{tag}>{words}")
    return found


def welsh_pages(folder: Path) -> list[Path]:
    return sorted((folder / "cy").glob("*.html"))


def test_welsh_pages_have_no_english_handbook_words_outside_lang_en(both: Handbook) -> None:
    pages = welsh_pages(both.folder)
    assert len(pages) >= 3
    for path in pages:
        tree = parse(path)
        assert tree.find(".//html") is not None or tree.tag == "html"
        assert english_left(tree) == [], path.name
        assert '<html lang="cy">' in path.read_text(encoding="utf-8"), path.name


def test_english_pages_keep_the_english_handbook_words(both: Handbook) -> None:
    found = {f for path in both.folder.glob("*.html") for f in english_left(parse(path))}
    drawn = "Mermaid source" if graphviz_available() else "Green boxes are outcomes"  # the other: see below
    assert set(ENGLISH_PHRASES) - found == {drawn}
    assert {"<th>Answer", "<th>Id", "<th>Leads to", "<dt>Owner", "<h2>Sources", "<h4>Services"} <= found
    index = (both.folder / "index.html").read_text(encoding="utf-8")
    assert f"<footer><p>Made with <code>referral-bot handbook</code> on {DAY.isoformat()}.</p></footer>" in index
    assert ('<h2 id="figures">Figures</h2><p><a href="figures.html">The presentation\'s figures</a>: '
            "the tables trainers show, with their sources.</p>") in index


def test_the_english_pages_are_the_english_only_handbook_plus_the_language_link(
        both: Handbook, welsh_catalogue: Catalogue, tmp_path: Path) -> None:
    alone = write_handbook(welsh_catalogue.base, tmp_path / "en", today=DAY)
    names = sorted(p.name for p in alone.files)
    assert names == sorted(p.name for p in both.folder.glob("*.html"))
    for name in names:
        with_link = (both.folder / name).read_text(encoding="utf-8")
        assert len(SWITCH.findall(with_link)) == 1, name
        assert SWITCH.sub("", with_link) == (alone.folder / name).read_text(encoding="utf-8"), name


def test_welsh_pages_use_the_welsh_words(both: Handbook) -> None:
    index = (both.folder / "cy" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Referral Guide: llawlyfr hyfforddwyr</h1>" in index
    assert f"<footer><p>Gwnaed gyda <code>referral-bot handbook</code> ar {DAY.isoformat()}.</p></footer>" in index
    assert '<h2 id="session">Cynnal sesiwn</h2>' in index
    # the figures page is in English only: the Welsh link says so, and leads to it
    assert ('<h2 id="figures">Ffigurau</h2><p><a href="../figures.html" hreflang="en">'
            "Ffigurau'r cyflwyniad (yn Saesneg)</a>: y tablau y mae hyfforddwyr yn eu dangos, "
            "gyda'u ffynonellau.</p>") in index
    assert (both.folder / "figures.html").is_file()
    assert not (both.folder / "cy" / "figures.html").exists()
    page = (both.folder / "cy" / "report_concern.html").read_text(encoding="utf-8")
    assert WELSH_QUESTION in page
    for words in ("<dt>Dynodydd y llif</dt>", "<th>Ateb</th><th>Dynodydd</th><th>Yn arwain at</th>",
                  '<h2 id="demo-paths">Llwybrau demo i hyfforddwyr</h2>', '<h2 id="steps">Pob cam</h2>',
                  '<a href="index.html">← Pob llif</a>', "<strong>Oes, mae rhywun mewn perygl nawr</strong>"):
        assert words in page, words
    assert re.search(r'<h2 id="sources">Ffynonellau</h2><ul><li id="source-\w+"><strong>\w+</strong> '
                     r'<a href="[^"]+" rel="noopener" lang="en">', page), "source titles are marked English"


def test_an_untranslated_flow_keeps_its_english_marked_in_a_welsh_page(both: Handbook,
                                                                       welsh_catalogue: Catalogue) -> None:
    flow = welsh_catalogue.base.flows["nrm_referral"]
    tree = parse(both.folder / "cy" / "nrm_referral.html")
    h1 = tree.find(".//h1")
    assert h1 is not None
    assert (h1.get("lang"), h1.text) == ("en", flow.title)
    section = next(e for e in tree.iter("section") if e.get("id") == f"state-{flow.start}")
    text = section.find("div")
    assert text is not None
    assert text.get("lang") == "en"
    cells = [td for td in section.iter("td") if td.get("lang") == "en"]
    assert cells, "the answers are marked English"
    demo = next(e for e in tree.iter("div") if e.get("class") == "demo")
    assert {e.get("lang") for e in demo.iter("strong")} == {"en"}


def test_welsh_pages_drawn_without_graphviz(run_cli: CliRunner, welsh_flows_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_cli("handbook", "-o", str(tmp_path / "hb"), "--flows", str(welsh_flows_dir), env={"PATH": str(empty)})
    assert result.returncode == 0, result.stderr
    for path in welsh_pages(tmp_path / "hb"):
        assert english_left(parse(path)) == [], path.name
    page = (tmp_path / "hb" / "cy" / "nrm_referral.html").read_text(encoding="utf-8")
    assert '<pre class="mermaid-source" lang="en">' in page
    assert "<figcaption>Ffynhonnell Mermaid (nid oedd Graphviz wedi&#x27;i osod" not in page
    assert "<figcaption>Ffynhonnell Mermaid (nid oedd Graphviz wedi'i osod pan wnaed y llawlyfr hwn)." in page
    english = (tmp_path / "hb" / "nrm_referral.html").read_text(encoding="utf-8")
    assert ("<figcaption>Mermaid source (Graphviz was not installed when this handbook was made). Paste it into "
            "any Mermaid viewer, or install Graphviz and run <code>referral-bot handbook</code> again.</figcaption>"
            ) in english


def test_every_handbook_text_has_english_and_welsh_with_the_same_places() -> None:
    raw = yaml.safe_load((ROOT / "bot" / "handbook" / "texts.yaml").read_text(encoding="utf-8"))
    assert raw["languages"] == ["en", "cy"]
    for key, value in raw["texts"].items():
        assert set(value) == {"en", "cy"}, key
        places = [{name for _, name, _, _ in string.Formatter().parse(value[code]) if name} for code in ("en", "cy")]
        assert places[0] == places[1], key
    for module in (ROOT / "bot" / "handbook").glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef) and ast.get_docstring(n)
                      and isinstance(n.body[0], ast.Expr)}
        literals = " ".join(n.value for n in ast.walk(tree)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings)
        for phrase in ENGLISH_PHRASES:
            assert phrase not in literals, f"{module.name} hard-codes {phrase!r}"
