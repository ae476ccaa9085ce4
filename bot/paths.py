"""Where Referral Guide finds its files: the one place that defines every default location.

Shipped, read-only files (the flows and the trainers' figures) come with the package and are
read through :mod:`importlib.resources`. In the checkout, ``bot/shipped-flows`` and
``bot/shipped-figures`` are symbolic links to ``flows/`` and ``data/figures/`` at the top of the
repository; building the wheel copies the files behind them, so an editable install and an
installed wheel read the same files and there is never a second copy to keep in step.

Runtime files (the statistics and session databases, and the heartbeat beside the session
database) default to the per-user data directory that ``platformdirs`` gives for
``referral-guide`` (``$XDG_DATA_HOME/referral-guide``, usually ``~/.local/share/referral-guide``, on
Linux), so nothing is ever written into whatever directory a shell happens to be in. Every
default can be overridden by its environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

__all__ = [
    "APP_NAME",
    "FIGURES_ENV",
    "FLOWS_ENV",
    "SESSIONS_DB_ENV",
    "SESSIONS_DB_NAME",
    "STATS_DB_ENV",
    "STATS_DB_NAME",
    "Locations",
    "ResourceError",
    "data_dir",
    "default_figures_dir",
    "default_flows_dir",
    "heartbeat_path",
    "locations",
    "sessions_db_path",
    "shipped_figures_dir",
    "shipped_flows_dir",
    "stats_db_path",
]

APP_NAME = "referral-guide"
FLOWS_ENV = "REFERRAL_BOT_FLOWS"
FIGURES_ENV = "REFERRAL_BOT_FIGURES"
STATS_DB_ENV = "REFERRAL_BOT_DB"
SESSIONS_DB_ENV = "REFERRAL_BOT_SESSIONS_DB"
STATS_DB_NAME = "referral-bot.db"
SESSIONS_DB_NAME = "sessions.db"

_SHIPPED_FLOWS = "shipped-flows"
_SHIPPED_FIGURES = "shipped-figures"


class ResourceError(RuntimeError):
    """The package's shipped files cannot be read as a folder (the message says how to fix it)."""


def _shipped(name: str) -> Path:
    resource = files("bot").joinpath(name)
    if not isinstance(resource, Path):  # pragma: no cover - only for zip imports, which pip never makes
        raise ResourceError(f"the package's {name} folder is inside an archive ({resource}). Fix: install "
                            "referral-guide with pip (it unpacks the wheel), or set the folder's environment variable.")
    return resource.resolve()  # in the checkout: the real flows/ or data/figures/ behind the link


def shipped_flows_dir() -> Path:
    """The flows that come with the package (``flows/`` at the top of the repository)."""
    return _shipped(_SHIPPED_FLOWS)


def shipped_figures_dir() -> Path:
    """The trainers' figures that come with the package (``data/figures/`` in the repository)."""
    return _shipped(_SHIPPED_FIGURES)


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _configured(environ: Mapping[str, str] | None, name: str) -> Path | None:
    raw = _env(environ).get(name, "").strip()
    return Path(raw).expanduser() if raw else None


def default_flows_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``REFERRAL_BOT_FLOWS``, else the shipped flows."""
    return _configured(environ, FLOWS_ENV) or shipped_flows_dir()


def default_figures_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``REFERRAL_BOT_FIGURES``, else the shipped figures."""
    return _configured(environ, FIGURES_ENV) or shipped_figures_dir()


def data_dir() -> Path:
    """The per-user data directory for runtime files (not created here).

    ``platformdirs.user_data_path("referral-guide")``: ``$XDG_DATA_HOME/referral-guide`` (by default
    ``~/.local/share/referral-guide``) on Linux, ``~/Library/Application Support/referral-guide`` on
    macOS and ``%LOCALAPPDATA%\\referral-guide`` on Windows.
    """
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def stats_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """The statistics database: ``REFERRAL_BOT_DB``, else ``referral-bot.db`` in :func:`data_dir`."""
    return _configured(environ, STATS_DB_ENV) or data_dir() / STATS_DB_NAME


def sessions_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """``REFERRAL_BOT_SESSIONS_DB``, else ``sessions.db`` beside the statistics database."""
    return _configured(environ, SESSIONS_DB_ENV) or stats_db_path(environ).with_name(SESSIONS_DB_NAME)


def heartbeat_path(sessions_db: Path) -> Path:
    """The file a running bot touches every half minute (read by ``referral-bot health``)."""
    return sessions_db.with_name(sessions_db.stem + ".heartbeat")


@dataclass(frozen=True, slots=True)
class Locations:
    """Where every file the bot reads or writes is, and which setting chose it."""

    flows: Path
    figures: Path
    stats_db: Path
    sessions_db: Path
    heartbeat: Path
    data_dir: Path

    def lines(self) -> list[str]:
        """One ``name: path`` line per file, for ``about`` and ``health``."""
        return [
            f"Flows: {self.flows}",
            f"Figures: {self.figures}",
            f"Statistics database: {self.stats_db}",
            f"Session database: {self.sessions_db}",
            f"Heartbeat: {self.heartbeat}",
        ]


def locations(environ: Mapping[str, str] | None = None) -> Locations:
    """Every default location, resolved against the environment (absolute paths)."""
    sessions = sessions_db_path(environ).absolute()
    return Locations(
        flows=default_flows_dir(environ).absolute(),
        figures=default_figures_dir(environ).absolute(),
        stats_db=stats_db_path(environ).absolute(),
        sessions_db=sessions,
        heartbeat=heartbeat_path(sessions),
        data_dir=data_dir(),
    )
