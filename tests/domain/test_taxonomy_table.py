"""The taxonomy is the one table of per-category facts: every row is complete, and what other modules say
about a category is what the row says."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from tutela.domain import taxonomy as tx
from tutela.domain.taxonomy import TAXONOMY, Category

ROUTING_DIR = Path(tx.__file__).parents[1] / "cases" / "routing"


@pytest.mark.parametrize("harm", list(TAXONOMY.values()), ids=lambda h: str(h.id))
def test_every_row_is_complete(harm: tx.HarmDefinition) -> None:
    from tutela.help.nudges import RISKS

    assert harm.name.strip() and harm.definition.strip() and harm.examples
    assert isinstance(harm.severity, tx.Severity)
    assert harm.dsa_category in tx.DSA_STATEMENT_CATEGORIES
    assert all(k.startswith("KEYWORD_") for k in harm.dsa_keywords)
    assert harm.nudge_risk is None or harm.nudge_risk in RISKS
    if harm.illegal or harm.imminent:  # the gravest harms are at least high
        assert harm.severity >= tx.Severity.HIGH


def test_report_form_keys_are_unique_and_tiles_numbered_without_gaps() -> None:
    keys = [c.key for h in TAXONOMY.values() for c in h.report_choices]
    assert len(keys) == len(set(keys)) and tx.OTHER not in keys
    tiles = sorted(c.tile for h in TAXONOMY.values() for c in h.report_choices if c.tile is not None)
    assert tiles == list(range(1, len(tiles) + 1))
    assert tx.form_tiles()[-1] == tx.OTHER


def test_every_tile_has_words_in_every_language() -> None:
    from tutela.web.i18n import LANGUAGES, catalogue

    for lang in LANGUAGES:
        missing = [k for k in tx.form_tiles() if f"cat_{k}" not in catalogue(lang)]
        assert not missing, f"{lang}: no label for report-form tiles {missing}"


def test_imminent_choices_belong_to_imminent_harms() -> None:
    """Choosing "he says he'll share my photos" and the analysis flagging sextortion must agree."""
    for harm in TAXONOMY.values():
        for choice in harm.report_choices:
            assert not choice.imminent or harm.imminent, choice.key


def test_every_category_is_routed_by_name_in_the_default_routing() -> None:
    """A category that only falls through to `default:` would reach no hotline or police by design."""
    data = yaml.safe_load((ROUTING_DIR / "default.yaml").read_text(encoding="utf-8"))
    named = {c for rule in data["rules"] for c in rule.get("categories") or ()}
    assert set(tx.category_ids()) | {tx.OTHER} <= named


def test_dsa_mapping_has_no_silent_fallback() -> None:
    with pytest.raises(ValueError, match="unknown harm category"):
        tx.dsa_category("no_such_harm")
    assert tx.dsa_category(None) == tx.dsa_category(tx.OTHER) == tx.DSA_UNCATEGORISED
    # the choice for children trafficked or recruited: protection of minors, not public security
    assert tx.dsa_category("trafficking") == tx.dsa_category("recruitment") == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"


@pytest.mark.parametrize("category", list(TAXONOMY), ids=str)
def test_both_statement_writers_say_what_the_table_says(category: Category) -> None:
    """The decision log and the case export once had a map each, and they disagreed."""
    from tutela.cases.exports.dsa import statement
    from tutela.policy.statement import statement_of_reasons

    harm = TAXONOMY[category]
    sor = statement_of_reasons({"decision_id": "d1", "decision": "block", "ground": str(category),
                                "created_at": datetime(2026, 12, 1, tzinfo=UTC)})
    assert sor is not None
    case = statement(_case_detail(str(category)))
    for s in (sor, case):
        assert s["category"] == harm.dsa_category
        assert s["decision_ground"] == ("DECISION_GROUND_ILLEGAL_CONTENT" if harm.illegal
                                        else "DECISION_GROUND_INCOMPATIBLE_CONTENT")
    assert sor["category_specification"] == case["category_specification"] == list(harm.dsa_keywords)


def _case_detail(category: str):
    """A closed case whose content was removed, with the fewest fields a statement needs."""
    from tutela.domain.cases import CaseDetail, CaseStatus, Outcome, Priority

    now = datetime(2026, 12, 1, tzinfo=UTC)
    return CaseDetail(
        id=1, org_id=1, status=CaseStatus.CLOSED, priority=Priority.HIGH, category=category, country="TR",
        report_count=0, assigned_to=None, created_at=now, updated_at=now, stage_entered_at=now,
        deadline_at=None, overdue=False, legal_hold=False, outcome=Outcome.CONTENT_REMOVED,
    )


def test_every_built_in_category_is_detected_by_something() -> None:
    """A category nobody can flag would exist only on the report form: each has a lexicon, a detector or a
    trained head. The heads and the training sets' labels are the taxonomy rows' own (`text_head`,
    `training_labels`); a label may mark only categories the text model learns."""
    from tutela.detect.detectors.base import detector_classes
    from tutela.detect.training.data import HARM_TO_CATEGORIES, HEADS

    assert set(HEADS) <= set(tx.CATEGORIES)
    assert {c for cats in HARM_TO_CATEGORIES.values() for c in cats} <= set(HEADS)
    assert all(tx.definition(c).text_head or not tx.definition(c).training_labels for c in tx.CATEGORIES)
    lexicons = {p.stem for p in (Path(tx.__file__).parents[1] / "detect" / "lexicons").glob("*.yaml")}
    by_detector = {c for cls in detector_classes().values() for c in cls.categories}
    for category in tx.CATEGORIES:
        assert category in HEADS or category.value in lexicons or category in by_detector, category
