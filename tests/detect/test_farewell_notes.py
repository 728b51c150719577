"""A farewell note: a goodbye and things given away together are self-harm; either alone is ordinary.

Lines written for this test (not bank or challenge lines). Why two kinds of cue: "son kez görüşürüz" is said before
a school holiday and "my phone goes to my brother" when a new one is bought; a child saying both at once, as the
dev round 27d line about a Friday-night bridge did (2026-12-07), is writing a suicide note.
"""

from __future__ import annotations

import pytest

from tutela import analyze_text
from tutela.domain.taxonomy import Category


def _self_harm(text: str) -> bool:
    return Category.SELF_HARM in analyze_text(text, stages="fast").flags


@pytest.mark.parametrize("text", [
    "son kez görüşürüz herkese, telefonum kardeşime kalsın",
    "son kez g o r u s u r u z, kedim ablama kalsin 🕊️",
    "hamıya elvida, telefonum qardaşıma qalsın",
    "son defə görüşürük, kitablarım bacıma qalsın",
])
def test_a_goodbye_with_things_given_away_is_a_farewell_note(text: str) -> None:
    assert _self_harm(text), text


@pytest.mark.parametrize("text", [
    "yarın tatile gidiyoruz, bu dönem son kez görüşürüz 😊",
    "telefonum kardeşime kalsın, ben yenisini aldım",
    "kitablarım bacıma qalsın, o da 5-ci sinfə gedir",
])
def test_either_cue_alone_is_ordinary(text: str) -> None:
    assert not _self_harm(text), text
