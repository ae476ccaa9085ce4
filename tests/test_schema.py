"""flows/schema.json, the editors' schema, agrees with the shipped flows and the validator."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.flows.i18n import LANGUAGES, FileKind, translatable
from tests.conftest import FIXTURE_FLOWS, FLOWS, english_only

SCHEMA = json.loads((FLOWS / "schema.json").read_text(encoding="utf-8"))
FLOW_FILES = sorted(p for p in FLOWS.glob("*.yaml") if p.name not in ("signposts.yaml", "ui.yaml", "glossary.yaml"))


def as_json(value: Any) -> Any:
    """YAML dates become ISO strings, as an editor's YAML language server sees them."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return sorted(e.message for e in validator.iter_errors(as_json(document)))


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


NATION_FLOWS = [FIXTURE_FLOWS.parent / "nations" / name for name in ("where.yaml", "nation_first.yaml")]


@pytest.mark.parametrize("path", [*FLOW_FILES, *sorted(FIXTURE_FLOWS.glob("*.yaml")), *NATION_FLOWS],
                         ids=lambda p: p.name)
def test_every_flow_passes_the_schema(path: Path) -> None:
    assert errors(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda p: p.name)
def test_every_shipped_flow_names_the_schema_for_editors(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == "# yaml-language-server: $schema=schema.json"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f.pop("sources"), "'sources' is a required property"),
        (lambda f: f.update(status="final"), "'final' is not one of ['draft', 'published']"),
        (lambda f: f.update(id="Bad Id"), "'Bad Id' does not match '^[a-z][a-z0-9_]{0,39}$'"),
        (lambda f: f.update(extra=1), "Additional properties are not allowed ('extra' was unexpected)"),
        (lambda f: f.update(audience=["everyone"]),
         "'everyone' is not one of ['officer', 'partner', 'public', 'trainer']"),
    ],
)
def test_the_schema_refuses_what_the_validator_refuses(change: Any, expected: str) -> None:
    flow = yaml.safe_load(FLOW_FILES[0].read_text(encoding="utf-8"))
    change(flow)
    assert expected in errors(flow)


def test_a_state_of_unknown_shape_is_refused() -> None:
    flow = yaml.safe_load(FLOW_FILES[0].read_text(encoding="utf-8"))
    flow["states"][0]["kind"] = "ending"
    assert errors(flow)


# -- issue 13: the glossary and local profile schemas --------------------------------------------


def _schema_errors(schema_file: str, document: Any) -> list[str]:
    schema = json.loads((FLOWS / schema_file).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return sorted(e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(as_json(document)))


def test_the_glossary_passes_its_schema() -> None:
    glossary = yaml.safe_load((FLOWS / "glossary.yaml").read_text(encoding="utf-8"))
    assert _schema_errors("glossary.schema.json", glossary) == []
    broken = {"terms": [{"term": "NRM", "definition": "x", "source": "http://Www.gov.uk"}]}
    assert _schema_errors("glossary.schema.json", broken) == [
        "'http://Www.gov.uk' does not match '^https://[a-z0-9.-]*[a-z0-9](/.*)?$'"]


@pytest.mark.parametrize("path", [FLOWS / "local" / "example.yaml", FIXTURE_FLOWS.parent / "local.yaml"],
                         ids=lambda p: p.name)
def test_profiles_pass_their_schema(path: Path) -> None:
    assert _schema_errors("profile.schema.json", yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_the_profile_schema_refuses_what_the_validator_refuses() -> None:
    profile = {"force": "F", "nation": "cornwall", "areas": [{"name": "A", "mash": {}}]}
    assert _schema_errors("profile.schema.json", profile) == [
        "'cornwall' is not one of ['england', 'wales', 'scotland', 'northern_ireland']",
        "{} should be non-empty"]


# -- issue 15: texts in English and Welsh side by side --------------------------------------------

SHARED_DEFS = ("in_languages", "language_code", "languages", "translation", "translation_record")
KINDS: dict[str, FileKind] = {"schema.json": "flow", "glossary.schema.json": "glossary",
                              "profile.schema.json": "profile"}
WELSH_RECORD = {"cy": {"translated_by": "Welsh translation team", "translated_on": "2026-12-03", "complete": False}}


def _bilingual(flow: dict[str, Any]) -> dict[str, Any]:
    """``flow`` with a few texts written as {en, cy} and the language declarations at the top."""
    flow = {**flow, "languages": ["en", "cy"], "translation": WELSH_RECORD}
    flow["title"] = {"en": flow["title"], "cy": "Teitl"}
    state = next(s for s in flow["states"] if s["kind"] == "question")
    state["text"] = {"en": state["text"], "cy": "Testun"}
    state["options"][0]["label"] = {"en": state["options"][0]["label"], "cy": "Ydy"}
    if "why" in state:
        state["why"]["text"] = {"en": state["why"]["text"]}
    return flow


def test_a_bilingual_flow_passes_the_schema() -> None:
    flow = _bilingual(english_only(as_json(yaml.safe_load(FLOW_FILES[0].read_text(encoding="utf-8")))))
    assert errors(flow) == []


def test_a_text_in_an_unknown_language_or_without_english_is_refused() -> None:
    flow = _bilingual(english_only(as_json(yaml.safe_load(FLOW_FILES[0].read_text(encoding="utf-8")))))
    flow["title"] = {"en": "Report", "cy": "Rhoi gwybod", "fr": "Signaler"}
    assert errors(flow)
    flow["title"] = {"cy": "Rhoi gwybod"}
    assert errors(flow)
    flow["title"] = {"en": "x" * 65, "cy": "Rhoi gwybod"}
    assert errors(flow), "the English keeps the plain text's limits"
    flow["title"] = "Report"
    flow["languages"] = ["cy", "fr"]
    assert len(errors(flow)) == 2


def test_the_translation_record_is_checked() -> None:
    flow = _bilingual(english_only(as_json(yaml.safe_load(FLOW_FILES[0].read_text(encoding="utf-8")))))
    flow["translation"] = {"cy": {"translated_by": "Welsh translation team"}}
    assert errors(flow) == ["'translated_on' is a required property"]
    flow["translation"] = {"cy": {**WELSH_RECORD["cy"], "reviewed_by": "Reviewer", "reviewed_on": "2026-12-10",
                                  "checked": True}}
    assert errors(flow) == ["Additional properties are not allowed ('checked' was unexpected)"]


def test_the_schemas_share_the_language_definitions() -> None:
    schemas = [json.loads((FLOWS / name).read_text(encoding="utf-8")) for name in KINDS]
    for schema in schemas[1:]:
        assert {k: schema["$defs"][k] for k in SHARED_DEFS} == {k: schemas[0]["$defs"][k] for k in SHARED_DEFS}
    assert schemas[0]["$defs"]["language_code"]["enum"] == list(LANGUAGES)


def _leaves(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path] if isinstance(value, str) else []


def _with(document: Any, path: tuple[str | int, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    place = copy
    for part in path[:-1]:
        place = place[part]
    place[path[-1]] = value
    return copy


EXAMPLES = [("schema.json", p) for p in FLOW_FILES] + [
    ("glossary.schema.json", FLOWS / "glossary.yaml"), ("profile.schema.json", FLOWS / "local" / "example.yaml")]


@pytest.mark.parametrize(("schema_file", "path"), EXAMPLES, ids=lambda v: getattr(v, "name", v))
def test_exactly_the_translatable_fields_take_en_and_cy(schema_file: str, path: Path) -> None:
    """Every text i18n.translatable() names may be {en, cy}; no other string may."""
    schema = json.loads((FLOWS / schema_file).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    document = english_only(as_json(yaml.safe_load(path.read_text(encoding="utf-8"))))
    seen: set[tuple[object, ...]] = set()
    checked: set[bool] = set()
    for leaf in _leaves(document):
        shape = tuple("*" if isinstance(p, int) else p for p in leaf)
        if shape in seen:
            continue
        seen.add(shape)
        english: Any = document
        for part in leaf:
            english = english[part]
        valid = validator.is_valid(_with(document, leaf, {"en": english, "cy": "Testun"}))
        assert valid == translatable(KINDS[schema_file], leaf), leaf
        checked.add(valid)
    assert checked == {True, False}
