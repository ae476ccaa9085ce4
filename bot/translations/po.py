"""PO catalogues for translators: export a flows folder's texts, import the translations back.

One entry per text: ``msgctxt`` is the text's file and YAML path (see :mod:`bot.translations.texts`),
``msgid`` the English, ``msgstr`` the translation. Translators use any PO editor (Poedit, Weblate,
Virtaal); the same English at two places is two entries, each with its own translation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polib

from bot.flows.i18n import BASE, LANGUAGES
from bot.translations.texts import Document, Text, TranslationError, placeholders, read_folder

__all__ = ["Imported", "Status", "export_catalogue", "import_catalogue", "status"]

EXPORT = "referral-bot translations export --lang {lang} -o FILE.po"
_HINTS: dict[tuple[str, str], str] = {
    ("flow", "title"): "The guide's name, shown as a menu button: at most 64 characters.",
    ("flow", "label"): "A button: at most 64 characters.",
    ("flow", "review_note"): "For trainers only: what to check before relying on this step.",
    ("flow", "description"): "One or two sentences about the guide, for the menu and the handbook.",
    ("glossary", "meaning"): "What the abbreviation stands for.",
    ("glossary", "definition"): "One or two plain sentences: at most 400 characters.",
    ("signposts", "name"): "The service's name, as the service itself writes it in Welsh where it does.",
}


def _comment(doc: Document, text: Text) -> str:
    lines = []
    if len(text.path) >= 2 and text.path[-2] == "why":
        lines.append("Why this step: shown in training mode, with its source.")
    elif len(text.path) >= 3 and text.path[-3] == "options":
        lines.append("An answer button, at most 64 characters: answer the question as it is asked "
                     "(in Welsh: Ydy, Oes, Do... rather than one word for yes).")
    else:
        hint = _HINTS.get((doc.kind, str(text.path[-1])))
        if hint:
            lines.append(hint)
    found = placeholders(text.english)
    if found:
        lines.append(f"Keep these placeholders exactly as they are: {', '.join(dict.fromkeys(found))} "
                     "(they become the service's phone number or name).")
    return "\n".join(lines)


def export_catalogue(folder: Path, language: str, output: Path) -> int:
    """Write every translatable text of ``folder`` to the PO file ``output``; the number of entries."""
    documents = read_folder(folder)
    catalogue = polib.POFile(wrapwidth=78)
    catalogue.header = (f"Referral Guide: the texts of the flows folder, for translation into "
                        f"{LANGUAGES[language]} ({language}).\n"
                        "msgctxt is the file and the text's place in it; translate msgstr and keep every "
                        "{phone:ID} and {name:ID}.\nImport with: referral-bot translations import FILE.po")
    catalogue.metadata = {
        "Project-Id-Version": "referral-guide",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    for doc in documents:
        for text in doc.texts.values():
            catalogue.append(polib.POEntry(msgctxt=text.context, msgid=text.english,
                                           msgstr=text.texts.get(language, ""),
                                           occurrences=[(text.file, str(text.line))],
                                           comment=_comment(doc, text)))
    try:
        catalogue.save(str(output))
    except OSError as exc:
        raise TranslationError(f"{output}: cannot write the catalogue ({exc.strerror}). "
                               "Fix: choose a file in a folder you can write to.") from None
    return len(catalogue)


@dataclass(slots=True)
class Imported:
    """What an import did: texts written per file, entries skipped (one line each, with the fix)."""

    language: str
    written: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    fuzzy: int = 0
    undeclared: list[str] = field(default_factory=list)


def _read_po(path: Path) -> tuple[polib.POFile, str]:
    try:
        catalogue = polib.pofile(str(path), wrapwidth=78)
    except (OSError, ValueError) as exc:
        raise TranslationError(f"{path}: not a PO catalogue ({exc}). Fix: export a fresh one with "
                               f"{EXPORT.format(lang='cy')}.") from None
    language = str(catalogue.metadata.get("Language", "")).strip()
    if language not in LANGUAGES or language == BASE:
        wanted = ", ".join(c for c in LANGUAGES if c != BASE)
        raise TranslationError(f"{path}: the catalogue's header says 'Language: {language}', not one of: {wanted}. "
                               f"Fix: translate a catalogue made by {EXPORT.format(lang='cy')}.")
    return catalogue, language


def import_catalogue(path: Path, folder: Path) -> Imported:
    """Write the translations of the PO file ``path`` into the YAML files of ``folder``."""
    catalogue, language = _read_po(path)
    documents = read_folder(folder)
    by_name = {doc.path.name: doc for doc in documents}
    result = Imported(language)
    fix_export = EXPORT.format(lang=language)
    for entry in catalogue:
        if entry.obsolete or not entry.msgstr:
            continue
        if entry.fuzzy:
            result.fuzzy += 1
            continue
        where = f"{path.name}:{entry.linenum}"
        context = entry.msgctxt or ""
        doc = by_name.get(context.split(":", 1)[0])
        text = doc.texts.get(context) if doc else None
        if doc is None or text is None:
            result.skipped.append(f"{where}: skipped '{context}': there is no such text in {folder} (moved, renamed "
                                  f"or removed since the export). Fix: export again ({fix_export}) and copy the "
                                  "translation to the text's new entry.")
            continue
        if entry.msgid != text.english:
            result.skipped.append(f"{where}: skipped '{context}': its English has changed since the export. Fix: "
                                  f"export again ({fix_export}), check the translation against the new English, "
                                  "and import that catalogue.")
            continue
        theirs, ours = placeholders(entry.msgstr), placeholders(text.english)
        if theirs != ours:
            result.skipped.append(f"{where}: refused '{context}': the translation has {_listed(theirs)} "
                                  f"but the English has {_listed(ours)}. Fix: keep exactly the "
                                  "English's {phone:ID} and {name:ID} placeholders, unchanged, in the translation.")
            continue
        if doc.set(text, language, entry.msgstr):
            result.written[doc.path.name] = result.written.get(doc.path.name, 0) + 1
    changed = [(doc, doc.dump()) for doc in documents if doc.changed]  # every file checked before any is written
    for doc, output in changed:
        try:
            doc.path.write_bytes(output.encode("utf-8"))
        except OSError as exc:
            raise TranslationError(f"{doc.path}: cannot write the translations ({exc.strerror}). Fix: make the "
                                   "file writable and import again.") from None
        if language not in doc.languages:
            result.undeclared.append(doc.path.name)
    return result


def _listed(found: list[str]) -> str:
    return ", ".join(found) if found else "no placeholders"


@dataclass(frozen=True, slots=True)
class Status:
    """One file's progress: translated texts out of all, and whether it declares the language."""

    file: str
    translated: int
    total: int
    declared: bool


def status(folder: Path, language: str) -> list[Status]:
    """Per file of ``folder``: how many of its texts have a ``language`` version."""
    return [Status(doc.path.name, sum(1 for t in doc.texts.values() if t.texts.get(language)), len(doc.texts),
                   language in doc.languages)
            for doc in read_folder(folder)]
