"""Every shape of signal is valid STIX 2.1 (held to the `stix2` library) and reads back as it was sent."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
import stix2

from tutela.domain.exchange import TLP
from tutela.exchange import stix

NOW = datetime(2026, 12, 5, 12, 0, 0, 123000, tzinfo=UTC)


def _signal(**kw) -> stix.Signal:  # noqa: ANN003
    base = dict(
        signal_type="pdq",
        value="f" * 64,
        category="sexual_exploitation",
        confidence=80,
        share_level=TLP.AMBER,
        first_seen=NOW,
        last_seen=NOW + timedelta(days=1),
        modified=NOW + timedelta(days=2),
        seq=7,
    )
    base.update(kw)
    base.setdefault("stix_id", stix.indicator_id("col", base["signal_type"], base["value"]))
    return stix.Signal(**base)


SHAPES = {
    "pdq photo": _signal(content_type="photo", provenance={"bank": "known", "source": "hotline"}),
    "md5 of a video": _signal(signal_type="md5", value="0" * 32, content_type="video", share_level=TLP.GREEN),
    "sha256 with expiry": _signal(
        signal_type="sha256",
        value="ab" * 32,
        expires_at=NOW + timedelta(days=90),
        share_level=TLP.RED,
        country="TR",
    ),
    "keyed url": _signal(signal_type="url", value="cd" * 32, group="lantern-tr-az", share_level=TLP.CLEAR),
    "keyed account": _signal(
        signal_type="account", value="ef" * 32, group="lantern-tr-az", share_level=TLP.AMBER_STRICT
    ),
    "tombstone": _signal(deleted=True, category="trafficking"),
}


@pytest.mark.parametrize("name", SHAPES)
def test_each_shape_is_valid_stix_and_round_trips(name: str) -> None:
    signal = SHAPES[name]
    obj = stix.to_indicator(signal, created_by="identity--01585b5b-80c2-54e0-b9da-4aeb2a738830")
    bundle = stix.bundle([obj], org="tr-hotline", key_id="k")
    parsed = stix2.parse(bundle, allow_custom=False)  # patterns, markings, extension: all checked
    assert parsed.objects[-1].id == signal.stix_id
    assert stix.from_indicator(obj) == signal
    if signal.deleted:
        assert parsed.objects[-1].revoked is True
    marking_ids = {o["id"] for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert marking_ids == {stix.TLP_MARKINGS[signal.share_level]}


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda o: o.update(pattern="[file:hashes.'MD5' = '00000000000000000000000000000000']"),
            "pattern does not",
        ),
        (lambda o: o["extensions"][stix.EXTENSION_ID].update(category="cats"), "unknown category"),
        (lambda o: o.update(object_marking_refs=[]), "no TLP 2.0 marking"),
        (lambda o: o.update(confidence=101), "confidence"),
        (lambda o: o["extensions"][stix.EXTENSION_ID].update(value="zz"), "not a valid pdq"),
        (lambda o: o.pop("extensions"), "no Tutela signal extension"),
    ],
)
def test_inconsistent_indicators_are_refused(change, message: str) -> None:  # noqa: ANN001
    obj = copy.deepcopy(stix.to_indicator(SHAPES["pdq photo"]))
    change(obj)
    with pytest.raises(stix.StixError, match=message):
        stix.from_indicator(obj)


def test_the_stable_id_names_collection_type_and_value() -> None:
    assert stix.indicator_id("c1", "pdq", "f" * 64) == stix.indicator_id("c1", "pdq", "f" * 64)
    assert stix.indicator_id("c1", "pdq", "f" * 64) != stix.indicator_id("c2", "pdq", "f" * 64)
    assert stix.indicator_id("c1", "pdq", "f" * 64) != stix.indicator_id("c1", "sha256", "f" * 64)


def test_a_value_not_in_its_normal_form_is_normalised_and_bad_ones_refused() -> None:
    """The canonical-value shortcut of `from_indicator` leaves the rule to decide everything else."""
    obj = copy.deepcopy(stix.to_indicator(SHAPES["pdq photo"]))
    obj["extensions"][stix.EXTENSION_ID]["value"] = " " + "F" * 64  # spaced and upper case: normalised
    assert stix.from_indicator(obj).value == "f" * 64
    for bad in ("f" * 63, "g" * 64, "f" * 65):
        obj["extensions"][stix.EXTENSION_ID]["value"] = bad
        with pytest.raises(stix.StixError, match="not a valid pdq"):
            stix.from_indicator(obj)


def test_make_signal_is_the_constructor() -> None:
    s = SHAPES["sha256 with expiry"]
    made = stix.make_signal(*(getattr(s, f) for f in s.__dataclass_fields__))
    assert made == s and type(made) is stix.Signal
    with pytest.raises(AttributeError):  # still frozen
        made.value = "0" * 64  # type: ignore[misc]
    with pytest.raises(ValueError):  # every field, no fewer
        stix.make_signal("indicator--x")
