"""Results of analysing one piece of text: the contract shared by the Python API,
the CLI (`tutela scan`) and HTTP (`POST /v1/analyze/text`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tutela.domain.taxonomy import Category


class Explanation(BaseModel):
    """Why a category scored what it did: a span of the input or a matched pattern.

    `start`/`end` index the original text (not the normalised one) where known,
    so a reviewer can highlight exactly what drove a flag.
    """

    category: Category
    detector: str = Field(description="which detector produced this evidence")
    reason: str = Field(description="human-readable: the pattern, entity or model cue")
    score: float = Field(ge=0.0, le=1.0)
    start: int | None = None
    end: int | None = None
    text: str | None = Field(default=None, description="the matched span, when there is one")
    examples: list[dict] | None = Field(
        default=None,
        description="semantic stage: the nearest written examples (text, category, sub, lang, similarity)",
    )

    def record(self) -> dict:
        """The JSON form for the doors: `examples` only where the semantic stage gave some."""
        d = self.model_dump(mode="json")
        if d.get("examples") is None:
            d.pop("examples", None)
        return d


class TextAnalysis(BaseModel):
    """The analysis of one text. `scores` always holds every taxonomy category."""

    id: str | None = None
    lang: str = Field(description="ISO 639-1 code, or 'und' when unknown")
    lang_confidence: float = 0.0
    scores: dict[Category, float]
    flags: list[Category] = Field(default_factory=list)
    explanations: list[Explanation] = Field(default_factory=list)
    truncated: bool = Field(default=False, description="input exceeded the length cap and was cut")
    error: str | None = Field(default=None, description="set when the input could not be analysed")
    stages: list[str] = Field(
        default_factory=lambda: ["fast"], description="which stages ran: 'fast', and 'semantic' when it did"
    )
    signals: dict[str, float] = Field(
        default_factory=dict,
        description="raised signals that are not harm categories, with their score: 'disclosure' when "
        "the text is a child describing harm happening to them",
    )

    def flagged(self, category: Category | str) -> bool:
        return Category(category) in self.flags


_ANALYSIS_FIELDS = tuple(TextAnalysis.model_fields)
_set_attr = object.__setattr__


def trusted_analysis(
    *, id: str | None, lang: str, lang_confidence: float, scores: dict[Category, float], flags: list[Category],
    explanations: list[Explanation], truncated: bool, error: str | None, stages: list[str], signals: dict[str, float],
) -> TextAnalysis:
    """A `TextAnalysis` from values the engine guarantees (every field given, all categories scored, scores in
    [0, 1]): the instance `TextAnalysis.model_construct` builds, field for field, without its loop over the
    fields' aliases and defaults (~3 us of ~200 a message in the fast stage). No validation, like it."""
    values: dict[str, Any] = {"id": id, "lang": lang, "lang_confidence": lang_confidence, "scores": scores,
                              "flags": flags, "explanations": explanations, "truncated": truncated, "error": error,
                              "stages": stages, "signals": signals}
    out = TextAnalysis.__new__(TextAnalysis)
    _set_attr(out, "__dict__", values)
    _set_attr(out, "__pydantic_fields_set__", set(_ANALYSIS_FIELDS))
    _set_attr(out, "__pydantic_extra__", None)
    _set_attr(out, "__pydantic_private__", None)
    return out
