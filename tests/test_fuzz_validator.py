"""Fuzzing the validator: whatever a flow file holds, it reports ``file:line:column`` problems
and never raises or prints a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flows import validate_paths
from tests.conftest import FLOWS, CliRunner

SHIPPED_FLOW_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(FLOWS.glob("*.yaml"))
                      if p.name not in ("signposts.yaml", "ui.yaml")]
LINE = re.compile(r"^t\.yaml:\d+:\d+: (error|warning): .+ Fix: .+$")
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("signposts.yaml", "ui.yaml"):
        shutil.copy(FLOWS / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(folder: Path, data: bytes) -> list[str]:
    (folder / "t.yaml").write_bytes(data)
    found = [str(p) for p in validate_paths([Path("t.yaml")])]
    for line in found:
        assert LINE.match(line), line
    return found


def mutate(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        if not lines:
            break
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "truncate", "junk", "swap"]))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = "  " + line
        elif action == "dedent":
            lines[index] = line.lstrip()
        elif action == "truncate":
            lines[index] = line[: data.draw(st.integers(0, len(line)))]
        elif action == "junk":
            lines[index] = line + data.draw(st.text(alphabet=":-[]{}&*!|>'\"#%@`, \t", max_size=5))
        else:
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines) + "\n"


@FUZZ
@given(data=st.data())
def test_mutated_shipped_flows(folder: Path, data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(SHIPPED_FLOW_TEXTS))
    check(folder, mutate(text, data).encode())


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)


@FUZZ
@given(value=yaml_values)
def test_random_yaml_documents(folder: Path, value: object) -> None:
    found = check(folder, yaml.safe_dump(value, allow_unicode=True).encode())
    assert found


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes(folder: Path, data: bytes) -> None:
    check(folder, data)


@FUZZ
@given(value=yaml_values, field=st.sampled_from(["title", "version", "audience", "sources", "states", "start",
                                                 "reviewed_on", "status", "owner"]))
def test_wrong_types_in_real_fields(folder: Path, value: object, field: str) -> None:
    flow = yaml.safe_load(SHIPPED_FLOW_TEXTS[0])
    flow[field] = value
    check(folder, yaml.safe_dump(flow, allow_unicode=True).encode())


def test_billion_laughs_is_refused_quickly(folder: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 10):
        ref = ",".join([f"*{chr(96 + n)}"] * 9)
        lines.append(f"{chr(97 + n)}: &{chr(97 + n)} [{ref}]")
    assert check(folder, "\n".join(lines).encode()) == [
        "t.yaml:2:8: error: YAML aliases (*name) are not allowed in flow files. "
        "Fix: write the value out in full instead of referring to an anchor."
    ]


def test_huge_strings_and_deep_nesting(folder: Path) -> None:
    assert check(folder, b"title: " + b"x" * 900_000 + b"\n")
    assert check(folder, b"x: " + b"[" * 100_000)
    assert check(folder, b"x:\n" + b"".join(b"  " * i + b"- \n" for i in range(2000)))
    assert check(folder, b"x" * 1_100_000) == [
        "t.yaml:1:1: error: the file is larger than 1,000,000 bytes. "
        "Fix: split the content; a flow file should be a few kilobytes."
    ]


def test_python_tags_are_not_executed(folder: Path) -> None:
    found = check(folder, b"id: !!python/object/apply:os.system ['touch pwned']\n")
    assert found
    assert not (folder / "pwned").exists()


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02", b"{[}", b"- - - -", b"id: [", "é: ü\n".encode("latin-1")])
def test_cli_never_prints_a_traceback(folder: Path, run_cli: CliRunner, content: bytes) -> None:
    (folder / "t.yaml").write_bytes(content)
    result = run_cli("validate", str(folder / "t.yaml"))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[0].split(":")[0].endswith("t.yaml")
