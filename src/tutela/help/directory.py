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
#: Top-level key of the number shown when a country has no emergency entry of its own (112 in the built-in file).
FALLBACK_KEY = "fallback_emergency"


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
def _read(path: Path, _mtime: float) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping with a 'countries' key")
    return data


def _load(path: Path, mtime: float) -> dict[str, list[dict[str, Any]]]:
    data = _read(path, mtime)
    countries = data.get("countries", data)
    if not isinstance(countries, dict):
        raise ValueError(f"{path}: expected a mapping of country code -> list of entries")
    return {str(k).upper(): list(v or []) for k, v in countries.items() if k != FALLBACK_KEY}


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


@dataclass(frozen=True)
class HelpNow:
    """What a person in danger sees first: a number to call now, then the other places to get help.

    `emergency` is never missing: a country without an emergency entry of its own (or no country at
    all) gets the fallback number with `emergency_is_fallback` set, so the page can say that it may
    not work everywhere instead of telling a child to "call the emergency number" without one.
    """

    country: str
    emergency: Helpline
    emergency_is_fallback: bool
    others: list[Helpline]


def _fallback_raw(settings: Any | None) -> dict[str, Any]:
    raw = _read(BUILTIN, BUILTIN.stat().st_mtime).get(FALLBACK_KEY)
    path = override_path(settings)
    if path is not None:
        raw = _read(path, path.stat().st_mtime).get(FALLBACK_KEY) or raw
    if not isinstance(raw, dict) or not raw.get("phone"):
        raise ValueError(f"the help directory needs a '{FALLBACK_KEY}' entry with a phone number")
    return {**raw, "kind": "emergency"}


def help_now(country: str | None, *, lang: str | None = None, settings: Any | None = None) -> HelpNow:
    """The emergency number for `country` first (always one, with a phone), then every other entry."""
    lines = helplines(country, lang=lang, settings=settings)
    code = (country or "").strip().upper()
    own = [h for h in lines if h.kind == "emergency" and h.phone and h.country == code]
    if own:
        emergency, fallback = own[0], False
    else:
        emergency, fallback = _entry(_fallback_raw(settings), INTERNATIONAL, lang), True
    return HelpNow(country=code, emergency=emergency, emergency_is_fallback=fallback,
                   others=[h for h in lines if h is not emergency])
