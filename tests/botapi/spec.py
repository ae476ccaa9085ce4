"""The Bot API specification (``api.json``): method lookup, parameter decoding and type checks.

``api.json`` is the machine-readable Bot API description from PaulSonOfLars/telegram-bot-api-spec,
vendored in ``tests/botapi/api-spec/`` with its MIT licence (``scripts/refresh-botapi-spec``
refreshes it). :func:`load_spec` parses it once per file and caches the result, so every server
in a test run shares one parsed copy.

Checks return a human-readable problem (without the ``"Bad Request: "`` prefix) or ``None``.
Wording follows Telegram where its wording is known (``can't parse inline keyboard button:
Field "text" must be of type String``); the rest names the method, the parameter and the fix.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_SPEC_PATH",
    "FieldSpec",
    "MethodSpec",
    "Spec",
    "Upload",
    "load_spec",
]

DEFAULT_SPEC_PATH = Path(__file__).resolve().parent / "api-spec" / "api.json"

_SCALARS = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
_DISCRIMINATOR = re.compile(r"(?:must be|always)\s+[\"“]?([a-z0-9_]+)[\"”]?")
_DISCRIMINATOR_FIELDS = ("type", "source", "status")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


@dataclass(frozen=True)
class Upload:
    """A file part of a ``multipart/form-data`` request (an ``InputFile`` on the wire)."""

    field: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method or one field of an object type."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method: its exact name, its parameters and what it returns."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class _TypeSpec:
    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...]
    discriminator: tuple[str, str] | None  # (field, value) that identifies a union member


def _fields(raw: dict[str, Any]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f.get("required")))
        for f in raw.get("fields", [])
    }


def _discriminator(fields: dict[str, FieldSpec], raw: dict[str, Any]) -> tuple[str, str] | None:
    for f in raw.get("fields", []):
        if f["name"] in _DISCRIMINATOR_FIELDS and f["types"] == ["String"]:
            match = _DISCRIMINATOR.search(f.get("description", ""))
            if match and f["name"] in fields:
                return f["name"], match.group(1)
    return None


class Spec:
    """A parsed ``api.json``: look methods up and check values against their declared types."""

    def __init__(self, raw: dict[str, Any]) -> None:
        """Index the raw JSON document (see :func:`load_spec`)."""
        self.version: str = str(raw.get("version", "unknown"))
        self.methods: dict[str, MethodSpec] = {}
        self._by_lower: dict[str, MethodSpec] = {}
        for name, method in raw["methods"].items():
            spec = MethodSpec(name, _fields(method), tuple(method.get("returns", [])))
            self.methods[name] = spec
            self._by_lower[name.lower()] = spec
        self.types: dict[str, _TypeSpec] = {}
        for name, t in raw["types"].items():
            fields = _fields(t)
            self.types[name] = _TypeSpec(
                name, fields, tuple(t.get("subtypes") or ()), _discriminator(fields, t)
            )

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name``; Telegram matches method names case-insensitively."""
        return self._by_lower.get(name.lower())

    # -- decoding -------------------------------------------------------------------------

    def decode(self, value: Any, types: tuple[str, ...]) -> Any:
        """Turn a wire value into the Python value Telegram would read for a field of ``types``.

        Form and multipart fields are strings; a client JSON-encodes everything that is not a
        string (python-telegram-bot does), so a string for a non-``String`` field is parsed as
        JSON. A string that is not valid JSON is kept as a string when ``String`` is allowed,
        and is otherwise left for :meth:`check` to refuse.
        """
        if not isinstance(value, str) or types == ("String",):
            return value
        if "Boolean" in types or "True" in types:
            low = value.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE and "True" not in types:
                return False
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, str) and "String" not in types:
            return value
        if "String" in types and self.check(parsed, types, "x") is not None:
            return value
        return parsed

    # -- checking -------------------------------------------------------------------------

    def check(self, value: Any, types: tuple[str, ...], where: str) -> str | None:
        """Why ``value`` is not of any of ``types`` (``where`` names it), or ``None`` if it is."""
        problems = [self._check_one(value, t, where) for t in types]
        if any(p is None for p in problems):
            return None
        objects = [t for t in types if t in self.types]
        if isinstance(value, dict) and objects:
            best = self._closest(value, objects)
            return problems[types.index(best)]
        real = [p for p in problems if p is not None]
        if len(real) == 1:
            return real[0]
        return f'{where} must be of type {" or ".join(types)}'

    def _closest(self, value: dict[str, Any], candidates: list[str]) -> str:
        def overlap(name: str) -> int:
            t = self.types[name]
            return len(set(value) & set(t.fields)) + (10 if t.discriminator and
                                                       value.get(t.discriminator[0]) ==
                                                       t.discriminator[1] else 0)

        return max(candidates, key=overlap)

    def _check_one(self, value: Any, texpr: str, where: str) -> str | None:
        if texpr.startswith("Array of "):
            inner = texpr[len("Array of "):]
            if not isinstance(value, list):
                return f"{where} must be of type Array"
            for i, item in enumerate(value):
                problem = self.check(item, (inner,), f"{where}[{i}]")
                if problem is not None:
                    return problem
            return None
        if texpr in _SCALARS:
            return self._check_scalar(value, texpr, where)
        t = self.types.get(texpr)
        if t is None:
            return None  # a type the spec names but does not describe: accept
        if t.subtypes:
            return self._check_union(value, t, where)
        return self._check_object(value, t, where)

    @staticmethod
    def _check_scalar(value: Any, texpr: str, where: str) -> str | None:
        ok = {
            "Integer": isinstance(value, int) and not isinstance(value, bool),
            "Float": isinstance(value, int | float) and not isinstance(value, bool),
            "String": isinstance(value, str),
            "Boolean": isinstance(value, bool),
            "True": value is True,
            "InputFile": isinstance(value, Upload),
        }[texpr]
        if ok:
            return None
        if texpr == "InputFile":
            return f"{where} must be a file uploaded with multipart/form-data"
        return f"{where} must be of type {texpr}"

    def _check_union(self, value: Any, t: _TypeSpec, where: str) -> str | None:
        if not isinstance(value, dict):
            plain = [s for s in t.subtypes if s not in self.types]
            if plain:
                return self.check(value, tuple(plain), where)
            return f"{where} must be of type {t.name} (an object)"
        keyed = [s for s in t.subtypes if s in self.types and self.types[s].discriminator]
        if keyed:
            field = self.types[keyed[0]].discriminator[0]  # type: ignore[index]
            for name in keyed:
                disc = self.types[name].discriminator
                if disc is not None and value.get(disc[0]) == disc[1]:
                    return self._check_object(value, self.types[name], where)
            allowed = ", ".join(
                f'"{self.types[s].discriminator[1]}"' for s in keyed  # type: ignore[index]
            )
            return (f'can\'t parse {t.name}: Field "{field}" must be one of {allowed}, not '
                    f"{value.get(field)!r}")
        return self.check(value, t.subtypes, where)

    def _check_object(self, value: Any, t: _TypeSpec, where: str) -> str | None:
        label = "inline keyboard button" if t.name == "InlineKeyboardButton" else t.name
        if not isinstance(value, dict):
            return f"can't parse {label}: {where} must be an object of type {t.name}"
        for key in value:
            if key not in t.fields:
                known = ", ".join(t.fields)
                return f'can\'t parse {label}: unknown field "{key}" (known fields: {known})'
        for f in t.fields.values():
            if f.name not in value:
                if f.required:
                    return f'can\'t parse {label}: Can\'t find field "{f.name}"'
                continue
            problem = self.check(value[f.name], f.types, f.name)
            if problem is not None:
                if problem.startswith("can't parse"):
                    return problem
                return f"can't parse {label}: Field {_quote_head(problem)}"
        return None


def _quote_head(problem: str) -> str:
    """``'text must be of type String'`` -> ``'"text" must be of type String'``."""
    head, _, rest = problem.partition(" ")
    return f'"{head}" {rest}'


_CACHE: dict[tuple[str, float], Spec] = {}
_LOCK = threading.Lock()


def load_spec(path: Path | None = None) -> Spec:
    """Parse ``api.json`` (default :data:`DEFAULT_SPEC_PATH`), once per file and modification time.

    Raises:
        FileNotFoundError: the file does not exist.
    """
    path = (path or DEFAULT_SPEC_PATH).resolve()
    key = (str(path), path.stat().st_mtime)
    with _LOCK:
        spec = _CACHE.get(key)
        if spec is None:
            spec = Spec(json.loads(path.read_text(encoding="utf-8")))
            _CACHE[key] = spec
        return spec
