"""Nudges: short, kind, age-appropriate messages for a child at a risky moment.

A child should not only be protected but helped: told, in their language, why
something is risky and where to turn. Texts live in `nudges/<lang>.yaml` (one
file per language, `child` for under-13s and `teen` for 13-17) so translators
and child-safety reviewers edit words, not code. Every nudge carries the
helplines for the child's country from `tutela.help.directory`.

Operators may override or add languages with `<data_dir>/nudges/<lang>.yaml`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from tutela.domain.languages import DEFAULT_LANGUAGE, language_codes
from tutela.domain.policy import AgeBand, HelplineOut, Nudge

NUDGE_DIR = Path(__file__).with_name("nudges")

#: Risk keys a policy rule may name in `nudge:`. A public contract: add, never rename.
RISKS: tuple[str, ...] = (
    "secrecy",
    "photo_request",
    "threat",
    "meeting_request",
    "bullying",
    "self_harm",
    "personal_info",
    "stranger_contact",
    "image_to_stranger",
    "unkind_message",  # to a child about to send something hurtful: a pause, not a telling-off
)
LANGS: tuple[str, ...] = language_codes()
FALLBACK_LANG = DEFAULT_LANGUAGE

#: Which kinds of help to show with each risk, most useful first.
HELP_KINDS: dict[str, tuple[str, ...]] = {
    "secrecy": ("child_helpline", "hotline"),
    "photo_request": ("child_helpline", "hotline"),
    "threat": ("child_helpline", "hotline", "police"),
    "meeting_request": ("child_helpline", "police"),
    "bullying": ("child_helpline", "support"),
    "self_harm": ("child_helpline", "support", "emergency"),
    "personal_info": ("child_helpline",),
    "stranger_contact": ("child_helpline",),
    "image_to_stranger": ("child_helpline",),
    "unkind_message": ("child_helpline",),
}
MAX_HELPLINES = 3


class NudgeError(ValueError):
    pass


def _validate(lang: str, data: Any, path: Path) -> dict[str, dict[str, str]]:
    if not isinstance(data, dict):
        raise NudgeError(f"{path}: expected a mapping of risk -> {{title, child, teen}}")
    out: dict[str, dict[str, str]] = {}
    for risk, entry in data.items():
        if risk not in RISKS:
            raise NudgeError(f"{path}: unknown risk {risk!r}; valid: {', '.join(RISKS)}")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("title", "child", "teen")):
            raise NudgeError(f"{path}: risk {risk!r} needs 'title', 'child' and 'teen' texts")
        out[risk] = {k: entry[k].strip() for k in ("title", "child", "teen")}
    return out


@lru_cache(maxsize=64)
def _load_dir(directory: Path) -> dict[str, dict[str, dict[str, str]]]:
    texts: dict[str, dict[str, dict[str, str]]] = {}
    if directory.is_dir():
        for path in sorted(directory.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            texts[path.stem] = _validate(path.stem, data, path)
    return texts


def catalogue(settings: Any | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """All texts by language then risk: the built-in ones, overlaid by the operator's."""
    merged = {lang: dict(risks) for lang, risks in _load_dir(NUDGE_DIR).items()}
    if settings is not None:
        for lang, risks in _load_dir(Path(settings.data_dir) / "nudges").items():
            merged.setdefault(lang, {}).update(risks)
    return merged


def pick_lang(*candidates: str | None, settings: Any | None = None) -> str:
    """The first candidate language we have texts for (`tr-TR` counts as `tr`), else English."""
    available = catalogue(settings)
    for cand in candidates:
        if not cand:
            continue
        code = cand.strip().lower().replace("_", "-").split("-")[0]
        if code in available:
            return code
    return FALLBACK_LANG


def nudge_text(risk: str, lang: str, band: AgeBand | str = AgeBand.TEEN, settings: Any | None = None) -> tuple[str, str]:
    """(title, text) for a risk in a language, for a child (<13) or anyone older.

    Falls back to English per risk, so a partial translation still helps.
    """
    if risk not in RISKS:
        raise NudgeError(f"unknown nudge risk {risk!r}; valid: {', '.join(RISKS)}")
    texts = catalogue(settings)
    entry = texts.get(lang, {}).get(risk) or texts[FALLBACK_LANG][risk]
    variant = "child" if AgeBand(band) is AgeBand.CHILD else "teen"
    return entry["title"], entry[variant]


_HELP_CACHE: dict[tuple[str | None, str, str, str | None], tuple[HelplineOut, ...]] = {}


def _help_for(country: str | None, lang: str, risk: str, settings: Any | None) -> tuple[HelplineOut, ...]:
    """Helplines for a nudge, cached per process (the directory changes rarely; restart to reload)."""
    key = (country, lang, risk, str(settings.data_dir) if settings is not None else None)
    found = _HELP_CACHE.get(key)
    if found is None:
        found = _HELP_CACHE[key] = _find_help(country, lang, risk, settings)
    return found


def _find_help(country: str | None, lang: str, risk: str, settings: Any | None) -> tuple[HelplineOut, ...]:
    from tutela.help.directory import helplines

    try:
        entries = helplines(country, lang=lang, settings=settings)
    except Exception:  # noqa: BLE001 - a broken directory file must not stop a nudge
        return ()
    wanted = HELP_KINDS.get(risk, ("child_helpline",))
    ranked = sorted(
        (e for e in entries if e.kind in wanted),
        key=lambda e: (wanted.index(e.kind), e.country == "INT"),
    )
    return tuple(
        HelplineOut(name=e.name, kind=e.kind, phone=e.phone, url=e.url, hours=e.hours)
        for e in ranked[:MAX_HELPLINES]
    )


def build_nudge(
    risk: str,
    *,
    to: str,
    lang: str | None,
    band: AgeBand | str = AgeBand.TEEN,
    country: str | None = None,
    settings: Any | None = None,
) -> Nudge:
    """A ready-to-show nudge: text in the child's language, plus where to turn in their country."""
    code = pick_lang(lang, settings=settings)
    title, text = nudge_text(risk, code, band, settings)
    help_ = _help_for((country or "").upper() or None, code, risk, settings)
    return Nudge(to=to, risk=risk, lang=code, title=title, text=text, helplines=list(help_))


__all__ = ["LANGS", "RISKS", "build_nudge", "catalogue", "nudge_text", "pick_lang"]
