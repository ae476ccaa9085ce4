"""flows/schema.json, the editors' schema, agrees with the shipped flows and the validator."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import FIXTURE_FLOWS, FLOWS

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
