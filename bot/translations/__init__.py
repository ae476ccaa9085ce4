"""The translators' workflow (issue 15): PO catalogues of the flows folder's texts.

Needs the ``translations`` extra (polib, ruamel.yaml); the bot itself never imports this package.
"""

from __future__ import annotations

from bot.translations.po import Imported, Status, export_catalogue, import_catalogue, status
from bot.translations.texts import Document, Text, TranslationError, read_folder

__all__ = ["Document", "Imported", "Status", "Text", "TranslationError", "export_catalogue", "import_catalogue",
           "read_folder", "status"]
