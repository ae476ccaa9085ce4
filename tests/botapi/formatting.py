"""Formatted message text as Telegram reads it: ``parse_mode`` HTML, MarkdownV2 and Markdown.

:func:`parse_text` turns what the bot sent into what the user sees (plain text plus
``MessageEntity`` dicts with UTF-16 offsets) and raises :class:`EntityError` with Telegram's
``can't parse entities: ...`` wording when the markup is broken (an unescaped ``<`` or ``.``,
an unknown tag, an unclosed entity). Leading and trailing whitespace is stripped, as Telegram
does, and entity offsets are moved to match.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["EntityError", "parse_text", "utf16_len"]

_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji", "tg-time": "date_time",
}
_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough",
                "||": "spoiler"}
_MD1_MARKERS = {"*": "bold", "_": "italic"}


class EntityError(ValueError):
    """The text's markup cannot be parsed; ``str(error)`` is Telegram's description."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Builder:
    """Plain text under construction, with open and finished entities."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset of the end of the text so far
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += utf16_len(text)

    def close(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append({"type": kind, "offset": start, "length": self.pos - start,
                                  **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        text = "".join(self.parts)
        stripped = text.strip()
        if not stripped:
            return "", []
        lead = utf16_len(text[: len(text) - len(text.lstrip())])
        size = utf16_len(stripped)
        entities = []
        for e in sorted(self.entities, key=lambda e: (e["offset"], -e["length"])):
            start = max(e["offset"] - lead, 0)
            end = min(e["offset"] + e["length"] - lead, size)
            if end > start:
                entities.append({**e, "offset": start, "length": end - start})
        return stripped, entities


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[tuple[str, int, dict[str, Any]]] = []
    extra: dict[str, Any]
    i = 0
    while i < len(text):
        c = text[i]
        if c == "&":
            m = _HTML_ENTITY.match(text, i)
            out.add(html.unescape(m.group(0)) if m else "&")
            i = m.end() if m else i + 1
        elif c == "<" and text.startswith("</", i):
            m = _END_TAG.match(text, i)
            where = _byte_offset(text, i)
            if m is None:
                raise EntityError(f"can't parse entities: Unclosed end tag at byte offset {where}")
            name = m.group(1).lower()
            if not stack:
                raise EntityError(f"can't parse entities: Unexpected end tag at byte offset {where}")
            tag, start, extra = stack.pop()
            if name != tag:
                raise EntityError(f"can't parse entities: Unmatched end tag at byte offset {where}, "
                                  f'expected "</{tag}>", found "</{name}>"')
            out.close(_HTML_TAGS[tag], start, **extra)
            i = m.end()
        elif c == "<":
            m = _START_TAG.match(text, i)
            name = m.group(1).lower() if m else ""
            if m is None or name not in _HTML_TAGS:
                if m is None:
                    name = re.match(r"<([^\s>]*)", text[i:]).group(1)  # type: ignore[union-attr]
                raise EntityError(f'can\'t parse entities: Unsupported start tag "{name}" at byte '
                                  f"offset {_byte_offset(text, i)}")
            attrs = {a.group(1).lower(): next((g for g in a.groups()[1:] if g is not None), "")
                     for a in _ATTR.finditer(m.group(2))}
            extra = {}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise EntityError('can\'t parse entities: Tag "span" must have class "tg-spoiler" '
                                  f"at byte offset {_byte_offset(text, i)}")
            if name == "a":
                extra["url"] = html.unescape(attrs.get("href", ""))
            if name == "blockquote" and "expandable" in attrs:
                extra["type"] = "expandable_blockquote"
            stack.append((name, out.pos, extra))
            i = m.end()
        else:
            out.add(c)
            i += 1
    if stack:
        raise EntityError("can't parse entities: Can't find end tag corresponding to start tag "
                          f'"{stack[-1][0]}"')
    return out.result()  # "type" in extra overrides the tag's kind (expandable blockquote)


def _parse_markdown(text: str, v2: bool) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # marker, start offset, index in text
    markers = _MD2_MARKERS if v2 else _MD1_MARKERS
    kind_name = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough",
                 "||": "Spoiler", "[": "TextUrl"}
    i = 0
    while i < len(text):
        c = text[i]
        code = stack and stack[-1][0] in ("`", "```")
        if c == "\\" and i + 1 < len(text) and (v2 or text[i + 1] in "_*`["):
            if v2 and not 0 < ord(text[i + 1]) < 127:
                out.add("\\")
                i += 1
                continue
            out.add(text[i + 1])
            i += 2
            continue
        if code:
            marker = stack[-1][0]
            if text.startswith(marker, i):
                _, start, _ = stack.pop()
                out.close("pre" if marker == "```" else "code", start)
                i += len(marker)
            else:
                out.add(c)
                i += 1
            continue
        if c == "`":
            marker = "```" if text.startswith("```", i) else "`"
            stack.append((marker, out.pos, i))
            i += len(marker)
            if marker == "```":  # an optional language name ends at the first line break
                m = re.match(r"[^\s`]*\n", text[i:])
                i += m.end() if m else 0
            continue
        if v2 and text.startswith("__", i):
            c = "__"
        elif v2 and text.startswith("||", i):
            c = "||"
        if c in markers:
            if stack and stack[-1][0] == c:
                _, start, _ = stack.pop()
                out.close(markers[c], start)
            elif any(m == c for m, _, _ in stack):
                raise EntityError("can't parse entities: Can't find end of "
                                  f"{kind_name[stack[-1][0]]} entity at byte offset "
                                  f"{_byte_offset(text, stack[-1][2])}")
            else:
                stack.append((c, out.pos, i))
            i += len(c)
            continue
        if c == "[":
            stack.append(("[", out.pos, i))
            i += 1
            continue
        if c == "]" and stack and stack[-1][0] == "[":
            m = re.match(r"\]\(((?:[^()\\]|\\.)*)\)", text[i:])
            _, start, _ = stack.pop()
            if m is None:
                if v2:
                    raise EntityError("can't parse entities: Can't find end of a URL at byte "
                                      f"offset {_byte_offset(text, i)}")
                out.add("]")
                i += 1
                continue
            out.close("text_link", start, url=re.sub(r"\\(.)", r"\1", m.group(1)))
            i += m.end()
            continue
        if c == ">" and v2 and (i == 0 or text[i - 1] == "\n"):
            i += 1  # a block quote line; the quote itself is not modelled
            continue
        if v2 and c in _MD2_RESERVED:
            raise EntityError(f"can't parse entities: Character '{c}' is reserved and must be "
                              "escaped with the preceding '\\'")
        out.add(c)
        i += 1
    if stack:
        marker, _, index = stack[-1]
        if v2:
            raise EntityError(f"can't parse entities: Can't find end of {kind_name.get(marker, 'Code')} "
                              f"entity at byte offset {_byte_offset(text, index)}")
        raise EntityError("can't parse entities: Can't find end of the entity starting at byte "
                          f"offset {_byte_offset(text, index)}")
    return out.result()


def parse_text(text: str, parse_mode: str | None,
               entities: list[dict[str, Any]] | None = None) -> tuple[str, list[dict[str, Any]]]:
    """What the user sees: ``(plain text, entities)``, stripped as Telegram strips it.

    Raises:
        EntityError: broken markup, or an unknown ``parse_mode``.
    """
    mode = (parse_mode or "").lower()
    if mode and entities:
        raise EntityError("can't parse entities: parse_mode and entities can't be used together")
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown(text, v2=True)
    if mode == "markdown":
        return _parse_markdown(text, v2=False)
    if mode:
        raise EntityError("unsupported parse_mode")
    builder = _Builder()
    builder.add(text)
    builder.entities = [dict(e) for e in entities or []]
    return builder.result()
