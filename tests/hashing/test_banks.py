"""Banks and the matcher end to end, on generated images and synthetic lists."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tutela.access import create_org
from tutela.domain.errors import ErrorKind
from tutela.domain.media import BankKind, ShareLevel
from tutela.hashing import hash_bytes, match_bytes, match_details, match_hashes
from tutela.hashing.bank_io import export_text, read_entries
from tutela.hashing.banks import (
    BankError,
    add_entries,
    create_bank,
    delete_bank,
    get_bank,
    list_banks,
    list_entries,
    remove_entries,
    set_enabled,
    update_bank,
)
from tutela.hashing.matcher import Matcher
from tutela.hashing.synthetic import encode, synthetic_image
from tutela.storage.db import Database

KNOWN_SEEDS = [101, 102, 103]


def _pictures() -> dict[int, Image.Image]:
    return {s: synthetic_image(s, (400, 300)) for s in KNOWN_SEEDS}


@pytest.fixture()
def world(db: Database):
    """A hotline owning a bank of three generated pictures (PDQ + MD5)."""
    org = create_org(db, "hotline-a", kind="hotline")
    bank = create_bank(db, org, "known-a", source="Hotline A", source_date="2026-01-15", share_level="public")
    pics = _pictures()
    rows = []
    for seed, img in pics.items():
        h = hash_bytes(encode(img, "PNG"))
        rows += [("pdq", h.pdq, f"item-{seed}", h.pdq_quality), ("md5", h.md5, f"item-{seed}")]
    assert add_entries(db, bank.id, rows).added == 6
    return {"org": org, "bank": bank, "pics": pics}


TRANSFORMS = {
    "same_png": lambda im: encode(im, "PNG"),
    "jpeg_q60": lambda im: encode(im, "JPEG", quality=60),
    "resized_half": lambda im: encode(im.resize((200, 150)), "JPEG", quality=85),
    "resized_up": lambda im: encode(im.resize((800, 600)), "WEBP"),
    "cropped_1pct": lambda im: encode(im.crop((2, 2, 398, 298)), "PNG"),
    "mirrored": lambda im: encode(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), "PNG"),
    "upside_down": lambda im: encode(im.transpose(Image.Transpose.FLIP_TOP_BOTTOM), "JPEG"),
    "rotated_90": lambda im: encode(im.transpose(Image.Transpose.ROTATE_90), "PNG"),
}


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
def test_transformed_copies_match(db: Database, world, transform: str) -> None:  # noqa: ANN001
    for seed, img in world["pics"].items():
        _, matches = match_bytes(db, TRANSFORMS[transform](img))
        pdq = [m for m in matches if m.signal_type == "pdq"]
        assert pdq, f"{transform} of {seed} did not match"
        m = pdq[0]
        assert m.entry_label == f"item-{seed}" and m.distance <= 31
        assert m.bank == "known-a" and m.source == "Hotline A" and str(m.source_date) == "2026-01-15"
        assert m.category.value == "sexual_exploitation" and int(m.severity) == 4


def test_exact_copy_matches_md5_too(db: Database, world) -> None:  # noqa: ANN001
    _, matches = match_bytes(db, encode(world["pics"][101], "PNG"))
    assert {m.signal_type for m in matches} == {"md5", "pdq"}


def test_unrelated_images_do_not_match(db: Database, world) -> None:  # noqa: ANN001
    for seed in range(200, 230):
        _, matches = match_bytes(db, encode(synthetic_image(seed, (400, 300)), "JPEG"))
        assert matches == [], seed


def test_disable_enable_and_bank_filter(db: Database, world) -> None:  # noqa: ANN001
    data = encode(world["pics"][102], "JPEG")
    set_enabled(db, "known-a", False)
    assert match_bytes(db, data)[1] == []
    set_enabled(db, "known-a", True)
    assert match_bytes(db, data)[1]
    assert match_bytes(db, data, banks=["some-other-bank"])[1] == []
    assert match_bytes(db, data, banks=["known-a"])[1]


def test_per_bank_radius_and_quality(db: Database, world) -> None:  # noqa: ANN001
    h = hash_bytes(encode(world["pics"][103].resize((200, 150)), "JPEG", quality=60), dihedral=True)
    d = min(m.distance for m in match_hashes(db, h) if m.signal_type == "pdq")
    assert d > 0
    update_bank(db, "known-a", pdq_radius=d - 1)
    assert not [m for m in match_hashes(db, h) if m.signal_type == "pdq"]
    update_bank(db, "known-a", pdq_radius=d)
    assert [m for m in match_hashes(db, h) if m.signal_type == "pdq"][0].radius == d
    update_bank(db, "known-a", min_quality=100)
    h.pdq_quality = 99
    assert not [m for m in match_hashes(db, h) if m.signal_type == "pdq"]


def test_benign_bank_suppresses(db: Database, world) -> None:  # noqa: ANN001
    img = world["pics"][101]
    query = hash_bytes(encode(img, "JPEG", quality=70), dihedral=True)
    assert match_hashes(db, query)
    benign = create_bank(db, world["org"], "known-benign", kind="benign", category="sexual_content")
    add_entries(db, benign.id, [("pdq", hash_bytes(encode(img, "PNG")).pdq, "meme template")])
    outcome = match_details(db, query)
    assert outcome.matches == []
    assert outcome.suppressed and outcome.suppressed[0].bank == "known-a"
    set_enabled(db, "known-benign", False)
    assert match_hashes(db, query)


def test_entries_add_remove_and_duplicates(db: Database, world) -> None:  # noqa: ANN001
    data = encode(world["pics"][101], "PNG")
    h = hash_bytes(data)
    res = add_entries(db, "known-a", [("pdq", h.pdq), ("pdq", "zz"), ("nope", "ab")])
    assert res.added == 0 and res.duplicates == 1 and len(res.errors) == 2
    assert remove_entries(db, "known-a", [h.pdq, h.md5]) == 2
    matches = match_bytes(db, data)[1]
    assert all(m.entry_label != "item-101" for m in matches)
    assert get_bank(db, "known-a").entries == 4


def test_share_levels(db: Database, world) -> None:  # noqa: ANN001
    """Share levels decide who may see (and subscribe to) a bank; only a subscription lets it into matches.

    Before subscriptions, a public or shared bank matched for every organisation that could see it; that
    let any tenant change another's decisions (issue 10), so seeing alone now matches nothing.
    """
    from tutela.hashing.subscriptions import subscribe

    other = create_org(db, "platform-b")
    third = create_org(db, "platform-c")
    data = encode(world["pics"][101], "PNG")
    assert [b.name for b in list_banks(db, other)] == ["known-a"], "public bank visible to all"
    assert match_bytes(db, data, org_id=other)[1] == [], "but it matches nothing for them until they subscribe"
    subscribe(db, other, world["bank"].id)
    assert match_bytes(db, data, org_id=other)[1]
    update_bank(db, "known-a", share_level=ShareLevel.SHARED.value, shared_with=[other])
    assert match_bytes(db, data, org_id=other)[1]
    with pytest.raises(BankError) as info:
        subscribe(db, third, world["bank"].id)
    assert info.value.kind is ErrorKind.NOT_FOUND
    assert match_bytes(db, data, org_id=third)[1] == []
    update_bank(db, "known-a", share_level="private")
    assert match_bytes(db, data, org_id=other)[1] == [], "a subscription to a bank no longer shared is inert"
    assert match_bytes(db, data, org_id=world["org"])[1]
    assert [b.name for b in list_banks(db, other)] == []
    with pytest.raises(BankError) as info:
        update_bank(db, world["bank"].id, org_id=other, enabled=False)
    assert info.value.kind is ErrorKind.NOT_FOUND
    update_bank(db, "known-a", share_level="public")
    with pytest.raises(BankError) as info:
        set_enabled(db, world["bank"].id, False, org_id=other)
    assert info.value.kind is ErrorKind.FORBIDDEN


def test_bank_validation(db: Database, world) -> None:  # noqa: ANN001
    with pytest.raises(BankError):
        create_bank(db, world["org"], "known-a")
    with pytest.raises(BankError):
        create_bank(db, world["org"], "x", category="not-a-category")
    with pytest.raises(BankError):
        create_bank(db, world["org"], "y", pdq_radius=99)
    with pytest.raises(BankError):
        get_bank(db, "missing")


def test_delete_bank_removes_from_index(db: Database, world) -> None:  # noqa: ANN001
    data = encode(world["pics"][102], "PNG")
    assert match_bytes(db, data)[1]
    delete_bank(db, "known-a")
    assert match_bytes(db, data)[1] == []


@pytest.mark.parametrize("fmt", ["csv", "te"])
def test_import_export_round_trip(db: Database, world, fmt: str) -> None:  # noqa: ANN001
    text = export_text(list_entries(db, "known-a"), fmt)
    copy = create_bank(db, world["org"], f"copy-{fmt}")
    res = add_entries(db, copy.id, read_entries(io.StringIO(text), fmt))
    assert res.added == 6 and not res.errors
    original = {(e.signal_type, e.value, e.label) for e in list_entries(db, "known-a")}
    copied = {(e.signal_type, e.value, e.label) for e in list_entries(db, copy.id)}
    assert copied == original
    assert export_text(list_entries(db, copy.id), fmt) == text


def test_threatexchange_understands_our_export(db: Database, world) -> None:  # noqa: ANN001
    """Photo and video MD5s keep their own threatexchange names; the video one
    is what python-threatexchange's VideoMD5Signal reads, and no photo MD5 is
    passed off as a video's."""
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal

    photo_md5, video_md5 = "a" * 32, "b" * 32
    res = add_entries(db, "known-a", [("md5", photo_md5, "p", None, "photo"), ("video_md5", video_md5, "v")])
    assert res.added == 2 and not res.errors
    lines = export_text(list_entries(db, "known-a"), "te").splitlines()
    names = {line.split()[1]: line.split()[0] for line in lines}
    assert names[photo_md5] == "photo_md5" and names[video_md5] == "video_md5"
    # the fixture's MD5s were added without a content type: plain md5, not video_md5
    assert sum(1 for n in names.values() if n == "md5") == 3
    te = {"pdq": PdqSignal, "video_md5": VideoMD5Signal}
    for line in lines:
        name, value, *_ = line.split()
        if name in te:
            assert te[name].validate_signal_str(value) == value
    # and they come back with their content types
    copy = create_bank(db, world["org"], "copy-md5")
    add_entries(db, copy.id, read_entries(io.StringIO("\n".join(lines)), "te"))
    kinds = {e.value: e.content_type for e in list_entries(db, copy.id) if e.signal_type == "md5"}
    assert kinds[photo_md5] == "photo" and kinds[video_md5] == "video"


def test_bad_content_type_is_refused(db: Database, world) -> None:  # noqa: ANN001
    res = add_entries(db, "known-a", [("md5", "c" * 32, None, None, "audio")])
    assert res.added == 0 and "content type" in res.errors[0]


def test_import_bare_hashes_and_bad_lines(db: Database, world) -> None:  # noqa: ANN001
    rng = np.random.default_rng(9)
    hashes = [rng.bytes(32).hex() for _ in range(5)]
    text = "\n".join(hashes + ["not-a-hash", "", "# comment"]) + "\n"
    bank = create_bank(db, world["org"], "bare")
    res = add_entries(db, bank.id, read_entries(io.StringIO(text), "te", signal="pdq"))
    assert res.added == 5 and len(res.errors) == 1
    csv_text = "hash,label\n" + "\n".join(f"{h},x{i}" for i, h in enumerate(hashes)) + "\nbad,y\n"
    res = add_entries(db, bank.id, read_entries(io.StringIO(csv_text), "csv", signal="pdq"))
    assert res.duplicates == 5 and len(res.errors) == 1
    with pytest.raises(ValueError):
        list(read_entries(io.StringIO("a,b\n1,2\n"), "csv"))


def test_other_process_changes_are_picked_up_incrementally(db: Database, world, tmp_path) -> None:  # noqa: ANN001
    """Two matchers on one database (as CLI and server would be): writes
    through one are seen by the other without a rebuild."""
    other = Matcher(db, index_dir=tmp_path / "idx")
    img = world["pics"][101]
    q = hash_bytes(encode(img, "PNG"), dihedral=True)
    assert other.match(q).matches
    index_before = other.follower("pdq").index
    remove_entries(db, "known-a", [q.pdq])
    other.sync(force=True)
    assert other.follower("pdq").index is index_before
    assert not [m for m in other.match(q).matches if m.signal_type == "pdq"]
    add_entries(db, "known-a", [("pdq", q.pdq, "again")])
    other.sync(force=True)
    assert other.follower("pdq").index is index_before
    assert [m.entry_label for m in other.match(q).matches if m.signal_type == "pdq"] == ["again"]
    other.save()
    restarted = Matcher(db, index_dir=tmp_path / "idx")
    assert [m.entry_label for m in restarted.match(q).matches if m.signal_type == "pdq"] == ["again"]


def test_bank_kind_default(db: Database, world) -> None:  # noqa: ANN001
    assert world["bank"].kind is BankKind.KNOWN and world["bank"].entries == 0
    assert get_bank(db, "known-a").entries == 6


@pytest.mark.postgres
def test_banks_on_postgresql(pg_db: Database) -> None:
    org = create_org(pg_db, "pg-hotline", kind="hotline")
    bank = create_bank(pg_db, org, "pg-known", source="PG")
    img = synthetic_image(150, (400, 300))
    h = hash_bytes(encode(img, "PNG"))
    assert add_entries(pg_db, bank.id, [("pdq", h.pdq, "pg-1"), ("sha256", h.sha256)]).added == 2
    _, matches = match_bytes(pg_db, encode(img, "JPEG", quality=70))
    assert [m.entry_label for m in matches] == ["pg-1"]
    _, matches = match_bytes(pg_db, encode(img, "PNG"))
    assert {m.signal_type for m in matches} == {"pdq", "sha256"}
    assert remove_entries(pg_db, bank.id, [h.pdq]) == 1
    assert [m.signal_type for m in match_bytes(pg_db, encode(img, "PNG"))[1]] == ["sha256"]
    text = export_text(list_entries(pg_db, bank.id), "csv")
    assert h.sha256 in text
    delete_bank(pg_db, bank.id)
    assert list_banks(pg_db) == []


def test_entry_ids_are_not_reused_after_removing_the_newest(db: Database, world) -> None:  # noqa: ANN001
    rng = np.random.default_rng(12)
    first, second = rng.bytes(32).hex(), rng.bytes(32).hex()
    add_entries(db, "known-a", [("pdq", first, "first")])
    old_id = max(e.id for e in list_entries(db, "known-a"))
    remove_entries(db, "known-a", [first])
    add_entries(db, "known-a", [("pdq", second, "second")])
    assert max(e.id for e in list_entries(db, "known-a")) > old_id
