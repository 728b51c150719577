"""The help directory: helplines, hotlines, police and emergency numbers per country.

Shown to a reporter at the end of the report form ("help now") and used by
policy nudges. The built-in list lives in `directory.yaml` next to this file;
operators replace or extend it per country with `<data_dir>/helplines.yaml` (or
the file named by a `helplines_file` setting), because only they can keep the
numbers right for where they deploy. Operators must verify every entry first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

BUILTIN = Path(__file__).with_name("directory.yaml")
KINDS = ("child_helpline", "hotline", "police", "emergency", "support")
INTERNATIONAL = "INT"


@dataclass(frozen=True)
class Helpline:
    """One place to get help; `name` is already localised to the asked language."""

    name: str
    kind: str
    country: str
    phone: str | None = None
    url: str | None = None
    audience: str = "everyone"
    hours: str | None = None
    source: str | None = None
    verified_on: str | None = None


def _entry(raw: dict[str, Any], country: str, lang: str | None) -> Helpline:
    name = raw.get("name", "")
    if isinstance(name, dict):
        name = name.get(lang or "en") or name.get("en") or next(iter(name.values()), "")
    kind = raw.get("kind", "support")
    if kind not in KINDS:
        raise ValueError(f"helpline {name!r}: unknown kind {kind!r}; valid: {', '.join(KINDS)}")
    if not raw.get("phone") and not raw.get("url"):
        raise ValueError(f"helpline {name!r}: needs a phone or a url")
    verified = raw.get("verified_on")
    return Helpline(
        name=str(name), kind=kind, country=country,
        phone=str(raw["phone"]) if raw.get("phone") else None, url=raw.get("url"),
        audience=raw.get("audience", "everyone"), hours=raw.get("hours"),
        source=raw.get("source"), verified_on=str(verified) if verified else None,
    )


@lru_cache(maxsize=16)
def _load(path: Path, _mtime: float) -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    countries = data.get("countries", data)
    if not isinstance(countries, dict):
        raise ValueError(f"{path}: expected a mapping of country code -> list of entries")
    return {str(k).upper(): list(v or []) for k, v in countries.items()}


def load_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Raw entries per country from one YAML file (re-read when the file changes)."""
    return _load(path, path.stat().st_mtime)


def override_path(settings: Any | None) -> Path | None:
    """The operator's file: the `helplines_file` setting, else `<data_dir>/helplines.yaml`."""
    if settings is None:
        return None
    explicit = getattr(settings, "helplines_file", None)
    if explicit:
        return Path(explicit)
    candidate = Path(settings.data_dir) / "helplines.yaml"
    return candidate if candidate.is_file() else None


def directory(settings: Any | None = None) -> dict[str, list[dict[str, Any]]]:
    merged = dict(load_file(BUILTIN))
    path = override_path(settings)
    if path is not None:
        merged.update(load_file(path))
    return merged


def countries(settings: Any | None = None) -> list[str]:
    """Country codes with their own entries (not the international list)."""
    return sorted(c for c in directory(settings) if c != INTERNATIONAL)


def helplines(country: str | None, *, lang: str | None = None, settings: Any | None = None) -> list[Helpline]:
    """Help for someone in `country` (ISO alpha-2): its own entries first, then international ones.

    An unknown or missing country gets the international entries alone, never nothing.
    """
    entries = directory(settings)
    code = (country or "").strip().upper()
    found = [_entry(e, code, lang) for e in entries.get(code, [])] if code != INTERNATIONAL else []
    found += [_entry(e, INTERNATIONAL, lang) for e in entries.get(INTERNATIONAL, [])]
    return found
