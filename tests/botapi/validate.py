"""Check a request's parameters against the Bot API specification.

:func:`check_params` decodes wire values (form strings, JSON, uploads), resolves
``attach://name`` references to uploaded parts, and refuses unknown parameters, missing
required ones and values of the wrong type, with a description that says which parameter is
wrong and what the spec expects.
"""

from __future__ import annotations

from typing import Any

from .models import ApiError
from .spec import MethodSpec, Spec, Upload

__all__ = ["check_params"]

_MISSING = {
    "text": "Bad Request: message text is empty",
    "chat_id": "Bad Request: chat_id is empty",
    "photo": "Bad Request: there is no photo in the request",
    "document": "Bad Request: there is no document in the request",
}


def _quote_head(problem: str) -> str:
    head, _, rest = problem.partition(" ")
    return f'"{head}" {rest}'


def check_params(spec: Spec, method: MethodSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """The decoded parameters of a call to ``method``.

    Raises:
        ApiError: a violation (400) naming the first problem found.
    """
    uploads = {k: v for k, v in raw.items() if isinstance(v, Upload)}
    params: dict[str, Any] = {}
    used: set[str] = set()
    for name, value in raw.items():
        if value is None:
            continue  # JSON null: Telegram reads it as leaving the parameter out
        field = method.fields.get(name)
        if field is None:
            if isinstance(value, Upload):
                continue  # maybe the target of an attach:// reference; checked below
            known = ", ".join(method.fields) or "none"
            raise ApiError(400, f'Bad Request: unknown parameter "{name}" for {method.name} '
                                f"(Bot API {spec.version} parameters: {known})", violation=True)
        if isinstance(value, str) and value.startswith("attach://") and "InputFile" in field.types:
            target = uploads.get(value[len("attach://"):])
            if target is None:
                raise ApiError(400, f'Bad Request: {name}: file "{value}" is not in the request',
                               violation=True)
            used.add(target.field)
            value = target
        elif isinstance(value, Upload):
            used.add(name)
        params[name] = spec.decode(value, field.types)
    for name in uploads.keys() - used:
        if name not in method.fields:
            raise ApiError(400, f'Bad Request: unknown parameter "{name}" for {method.name}: an '
                                "uploaded file that no attach:// reference uses", violation=True)
    for field in method.fields.values():
        if field.name not in params:
            if field.required:
                raise ApiError(400, _MISSING.get(
                    field.name, f'Bad Request: parameter "{field.name}" is required by '
                                f"{method.name}"), violation=True)
            continue
        problem = spec.check(params[field.name], field.types, field.name)
        if problem is not None:
            if not problem.startswith("can't parse"):
                problem = f"parameter {_quote_head(problem)}"
            raise ApiError(400, f"Bad Request: {problem}", violation=True)
    return params
