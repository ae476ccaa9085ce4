"""Link hygiene: every web address the bot shows follows the same few rules (issue #13).

A link is ``https``, its host is written in lower case with no trailing dot and no explicit
port, and a statute links to legislation.gov.uk. :func:`link_problem` says what is wrong
with one URL (or None); the validator and the link-hygiene test both use it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["STATUTE_HOST", "is_statute", "link_problem", "normalise_link", "statute_problem"]

STATUTE_HOST = "www.legislation.gov.uk"


def link_problem(url: str) -> str | None:
    """Why ``url`` breaks the link rules, as the end of a sentence; None when it is fine."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid web address"
    host = parts.hostname or ""
    netloc_host = parts.netloc.rsplit("@", 1)[-1]
    if parts.scheme != "https":
        return "does not start with https://"
    if not host:
        return "has no host"
    if port is not None or netloc_host.count(":"):
        return "names a port"
    if host.endswith(".") or netloc_host.split(":")[0].endswith("."):
        return "has a trailing dot after the host"
    if netloc_host != netloc_host.lower():
        return "has capital letters in the host"
    if any(c.isspace() for c in url):
        return "contains a space"
    return None


def normalise_link(url: str) -> str:
    """The URL as the rules want it: https, lower-case host, no trailing dot or port.

    Used to compare a flow's link with the fact sheet's copy of it.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".")
    rest = url.strip()[len(f"{parts.scheme}://{parts.netloc}"):]
    return f"https://{host}{rest}"


_STATUTE = re.compile(
    r"\b(?:Act|Regulations|Order)\b(?: \((?:Scotland|Northern Ireland|NI|Wales)\))? (?:1[89]|20)\d\d\b")
_NOT_STATUTE = re.compile(r"circular|report|committee|guidance|notes|code of practice|bill\b", re.IGNORECASE)


def is_statute(title: str) -> bool:
    """True when a source's title cites legislation itself (an Act, Regulations or Order with
    its year), rather than guidance, notes or a report about it."""
    return bool(_STATUTE.search(title)) and not _NOT_STATUTE.search(title)


def statute_problem(title: str, url: str) -> str | None:
    """Why a statute's link breaks the rules (it must be on legislation.gov.uk); else None."""
    if not is_statute(title):
        return None
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host in ("legislation.gov.uk", STATUTE_HOST):
        return None
    return "cites a statute but does not link to legislation.gov.uk"
