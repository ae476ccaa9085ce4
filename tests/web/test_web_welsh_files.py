"""The offline pack (``export-site``) and the trainers' handbook in Welsh (issue 15): the Welsh
pages in ``cy/``, each page linking to the same page in the other language, the English pages
where they always were. Real files, the real CLI as a subprocess, html5lib's strict parser."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import urljoin

import html5lib
import pytest

from bot.channels.web.export import ExportResult, export_site
from bot.engine import Engine
from bot.flows import Catalogue
from tests.conftest import CliRunner
from tests.web.welsh import NOT_TRANSLATED_CY, WELSH_QUESTION, WELSH_TITLE

DAY = date(2026, 12, 3)
LINK = re.compile(r'<a [^>]*href="([^"#]+)"[^>]*hreflang="([^"]+)"[^>]*>([^<]+)</a>')


@pytest.fixture(scope="module")
def pack(welsh_catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    return export_site(Engine.from_catalogue(welsh_catalogue), tmp_path_factory.mktemp("pack"), today=DAY)


def pages(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")}


def language_link(path: Path) -> tuple[str, str, str]:
    found = LINK.search(path.read_text(encoding="utf-8"))
    assert found is not None, f"{path} has no language link"
    href, code, text = found.groups()
    return href, code, text


def test_the_pack_has_every_page_in_welsh_under_cy(pack: ExportResult, welsh_catalogue: Catalogue,
                                                  tmp_path: Path) -> None:
    english_only = export_site(Engine(welsh_catalogue.base), tmp_path / "en", today=DAY)
    english = pages(english_only.folder)
    both = pages(pack.folder)
    assert {p for p in both if not p.startswith("cy/")} == english, "English pages stay where they were"
    assert {p.removeprefix("cy/") for p in both if p.startswith("cy/")} == english
    assert "cy" not in {p.split("/")[0] for p in english}
    assert "cy/" not in (english_only.folder / "report_concern" / "danger.html").read_text(encoding="utf-8")


def test_each_pack_page_links_to_itself_in_the_other_language(pack: ExportResult) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    root = pack.folder.resolve()
    for name in sorted(pages(pack.folder)):
        path = pack.folder / name
        html = path.read_text(encoding="utf-8")
        parser.parse(html)
        welsh = name.startswith("cy/")
        assert f'<html lang="{"cy" if welsh else "en"}"' in html, name
        href, code, text = language_link(path)
        assert (code, text) == (("en", "English") if welsh else ("cy", "Cymraeg")), name
        target = Path(urljoin(path.resolve().as_uri(), href).removeprefix("file://"))
        assert target.is_file(), (name, href)
        expected = name.removeprefix("cy/") if welsh else f"cy/{name}"
        assert target.relative_to(root).as_posix() == expected, name
        css = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert css is not None
        assert Path(urljoin(path.resolve().as_uri(), css.group(1)).removeprefix("file://")).is_file(), name


def test_welsh_pack_pages_are_in_welsh_with_english_fallback_marked(pack: ExportResult) -> None:
    danger = (pack.folder / "cy" / "report_concern" / "danger.html").read_text(encoding="utf-8")
    assert WELSH_QUESTION in danger
    assert WELSH_TITLE in danger
    for words in ("Gadael y dudalen", "Neidio i&#39;r prif gynnwys"):
        assert words in danger
    start = (pack.folder / "cy" / "nrm_referral" / "index.html").read_text(encoding="utf-8")
    assert NOT_TRANSLATED_CY.replace("'", "&#39;") in start
    assert re.search(r'<h1 class="govuk-heading-l" lang="en">', start)
    assert "Dechrau nawr" in start
    first = next((pack.folder / "cy" / "nrm_referral").glob("*.html"))
    step = first.read_text(encoding="utf-8")
    assert 'lang="en"' in step.split("<main", 1)[1], "English steps inside a Welsh page are marked"
    assert "Copi all-lein wedi&#39;i wneud ar 2026-12-03" in step


def test_the_cli_writes_both_languages(run_cli: CliRunner, welsh_flows_dir: Path, tmp_path: Path) -> None:
    result = run_cli("export-site", str(tmp_path / "pack"), "--flows", str(welsh_flows_dir))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pack" / "cy" / "index.html").is_file()
    assert (tmp_path / "pack" / "index.html").is_file()


def test_the_handbook_is_in_both_languages(run_cli: CliRunner, welsh_flows_dir: Path, welsh_catalogue: Catalogue,
                                         tmp_path: Path) -> None:
    out = tmp_path / "hb"
    result = run_cli("handbook", "-o", str(out), "--flows", str(welsh_flows_dir))
    assert result.returncode == 0, result.stderr
    english = pages(out) - {p for p in pages(out) if p.startswith("cy/")}
    welsh = {p.removeprefix("cy/") for p in pages(out) if p.startswith("cy/")}
    assert welsh == english - {"figures.html"}
    assert welsh == {"index.html", *(f"{flow_id}.html" for flow_id in welsh_catalogue.base.flows)}
    for name in sorted(welsh):
        assert language_link(out / name) == (f"cy/{name}", "cy", "Cymraeg"), name
        assert language_link(out / "cy" / name) == (f"../{name}", "en", "English"), name
    assert language_link(out / "figures.html") == ("cy/index.html", "cy", "Cymraeg")
    translated = (out / "cy" / "report_concern.html").read_text(encoding="utf-8")
    assert '<html lang="cy">' in translated
    assert WELSH_TITLE in translated
    assert WELSH_QUESTION in translated
    untranslated = (out / "cy" / "nrm_referral.html").read_text(encoding="utf-8")
    assert '<html lang="cy">' in untranslated, "the handbook's words are Welsh, the guide's English marked lang=en"
    assert f'<h1 lang="en">{welsh_catalogue.base.flows["nrm_referral"].title}</h1>' in untranslated
    assert f'<p class="review" lang="cy">{NOT_TRANSLATED_CY.replace(chr(39), "&#x27;")}</p>' in untranslated
    assert '<html lang="cy">' in (out / "cy" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in (out / "report_concern.html").read_text(encoding="utf-8")
