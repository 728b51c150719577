"""The languages Tutela speaks: the one list every part reads (language id, detectors and their training,
the conversation corpus, nudges, the public pages).

Adding a language is a row here plus the words it needs where the words live: the public pages'
catalogue (`web/i18n/<code>.json`), the nudge texts (`help/nudges/<code>.yaml`), helplines in
`help/directory.yaml`, and, for detection, lexicons and training data. `tests/domain/test_languages.py`
says what a language lacks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Language:
    """One supported language."""

    #: ISO 639-1, as language identification returns it and as `?lang=` and `Accept-Language` carry it.
    code: str
    #: Its name in English (for operators and logs).
    name: str
    #: Its name in itself (the language picker on the public pages).
    native: str
    #: ISO 15924 scripts it is written in, the usual one first.
    scripts: tuple[str, ...]
    #: Written right to left: the public pages turn around.
    rtl: bool = False
    #: Often typed in Latin letters on phones (Finglish, translit): normalisation maps it back first.
    romanised: bool = False
    #: The country whose phone-number format is tried first when its text mentions a number.
    phone_region: str = ""


_BUILT_IN: tuple[Language, ...] = (
    Language("en", "English", "English", ("Latn",), phone_region="GB"),
    Language("tr", "Turkish", "Türkçe", ("Latn",), phone_region="TR"),
    Language("az", "Azerbaijani", "Azərbaycanca", ("Latn", "Cyrl", "Arab"), phone_region="AZ"),
    Language("fa", "Persian", "فارسی", ("Arab",), rtl=True, romanised=True, phone_region="IR"),
    Language("ru", "Russian", "Русский", ("Cyrl",), romanised=True, phone_region="RU"),
)

#: code -> language, built-in ones first, then any added with `register`.
LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _BUILT_IN}
#: The language everything falls back to: the reference catalogue and nudge texts are written in it.
DEFAULT_LANGUAGE = "en"
_BUILT_IN_CODES = frozenset(LANGUAGES)


def language_codes() -> tuple[str, ...]:
    """The codes of every supported language, in order."""
    return tuple(LANGUAGES)


def is_supported(code: object) -> bool:
    return isinstance(code, str) and code in LANGUAGES


def language(code: str) -> Language:
    """A language by code; ValueError naming the supported ones otherwise."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise ValueError(f"unsupported language {code!r}; supported: {', '.join(LANGUAGES)}") from None


def is_rtl(code: str) -> bool:
    """Whether a language is written right to left (False for an unsupported code)."""
    found = LANGUAGES.get(code)
    return found is not None and found.rtl


def register(lang: Language) -> Language:
    """Add a language at run time (an operator's, or a test's); its words must be added where they live."""
    if len(lang.code) not in (2, 3) or not lang.code.isascii() or not lang.code.isalpha() or not lang.code.islower():
        raise ValueError(f"a language code is ISO 639 (two or three lower-case letters): {lang.code!r}")
    if lang.code in LANGUAGES:
        raise ValueError(f"language {lang.code!r} exists")
    if not lang.scripts or not all(len(s) == 4 and s.istitle() for s in lang.scripts):
        raise ValueError(f"scripts are ISO 15924 codes such as 'Latn': {lang.scripts!r}")
    LANGUAGES[lang.code] = lang
    return lang


def unregister(code: str) -> None:
    """Remove a language added with `register` (tests clean up with this)."""
    if code in _BUILT_IN_CODES or code not in LANGUAGES:
        raise ValueError(f"{code!r} was not added with register()")
    del LANGUAGES[code]
