"""Cross-border referrals and the audit witness, engine level: two organisations on one database,
messages handed over by hand (as files would be), so every refusal can be provoked exactly."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from tutela.access import Principal, create_org, get_org
from tutela.domain.errors import ErrorKind
from tutela.exchange import identity, partners, sealed, witness
from tutela.exchange import referrals as xref
from tutela.exchange.errors import ExchangeError, Refused
from tutela.storage.tables.crossborder import exchange_referral_messages as messages


def _png(rgb: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 40), rgb).save(buf, "PNG")
    return buf.getvalue()


def _principal(db, name: str) -> Principal:
    org = get_org(db, name)
    return Principal(org_id=org["id"], org_name=name, scopes=frozenset({"exchange", "reports", "cases"}))


@pytest.fixture()
def pair(db, settings):
    """Hotline TR and Platform AZ, each registered as the other's partner (AZ may not receive content)."""
    create_org(db, "Hotline TR", kind="hotline", country="TR")
    create_org(db, "Platform AZ", kind="platform", country="AZ")
    tr, az = _principal(db, "Hotline TR"), _principal(db, "Platform AZ")
    tr_key = identity.current_key(db, tr.org_id).public_key
    az_key = identity.current_key(db, az.org_id).public_key
    partners.add_partner(db, tr.org_id, "az-platform", az_key, share_level="amber+strict")
    partners.add_partner(db, az.org_id, "tr-hotline", tr_key, share_level="amber+strict")
    return tr, az


@pytest.fixture()
def case_id(db, settings, pair):
    from tutela.cases.service import submit_report
    from tutela.domain.cases import EvidenceFile, ReportIn

    tr, _ = pair
    receipt = submit_report(
        db, settings,
        ReportIn(category="sexual_exploitation", country="TR", reporter_kind="platform",
                 description="an invented description that must not leave without a legal basis",
                 urls=["https://files.example.az/a/1", "https://files.example.az/a/2"]),
        principal=tr, files=[EvidenceFile(filename="x.png", content_type="image/png", data=_png((9, 80, 200)))])
    return receipt.case_id


def _outbox(db, org_id: int) -> list[str]:
    with db.connect() as conn:
        return list(conn.execute(select(messages.c.body).where(
            messages.c.org_id == org_id, messages.c.direction == "out", messages.c.delivered_at.is_(None))
            .order_by(messages.c.id)).scalars())


def test_referral_round_trip_carries_no_content_and_times_every_step(db, settings, pair, case_id):
    tr, az = pair
    sent = xref.refer_case(db, settings, tr, case_id, "az-platform", hosting=[{"host": "files.example.az",
                                                                            "provider": "Example Hosting"}])
    assert sent.direction == "out" and sent.status == "sent" and not sent.delivered  # no URL: stays in the outbox
    (body,) = _outbox(db, tr.org_id)
    assert "invented description" not in body and "content" not in json.loads(body)["body"]["case"]
    assert json.loads(body)["content"] is False and json.loads(body)["share_level"] == "amber+strict"
    case = json.loads(body)["body"]["case"]
    assert case["urls"] == ["https://files.example.az/a/1", "https://files.example.az/a/2"]
    assert case["hashes"][0]["sha256"] and case["hashes"][0]["pdq"]
    assert case["hosting"] == [{"host": "files.example.az", "provider": "Example Hosting"}]

    answer = xref.receive(db, settings, body)
    (incoming,) = xref.list_referrals(db, az, direction="in")
    assert incoming.uid == sent.uid and incoming.partner == "tr-hotline" and incoming.received_at
    xref.receive(db, settings, json.dumps(answer["receipt"]))  # the receipt goes back to the sender
    assert xref.get_referral(db, tr, sent.id).received_at is not None

    for step, outcome in (("acknowledged", None), ("removed", None), ("closed", "removed")):
        xref.record_step(db, settings, az, incoming.id, step, outcome=outcome)
    for step_body in _outbox(db, az.org_id):
        xref.receive(db, settings, step_body)
    out = xref.get_referral(db, tr, sent.id)
    assert out.status == "closed" and out.outcome == "removed"
    assert out.sent_at <= out.received_at <= out.acknowledged_at <= out.removed_at <= out.closed_at
    assert out.hours_to_acknowledge is not None and out.hours_to_remove is not None
    (t,) = [t for t in xref.timings(db, tr) if t.direction == "out"]
    assert (t.partner, t.referrals, t.acknowledged, t.removed, t.closed) == ("az-platform", 1, 1, 1, 1)

    with pytest.raises(ValueError, match="forward only"):
        xref.record_step(db, settings, az, incoming.id, "acknowledged")


def test_refusals(db, settings, pair, case_id):
    tr, az = pair
    xref.refer_case(db, settings, tr, case_id, "az-platform")
    (body,) = _outbox(db, tr.org_id)

    tampered = json.loads(body)
    tampered["body"]["case"]["urls"].append("https://elsewhere.example/x")
    with pytest.raises(Refused, match="tampered"):
        xref.receive(db, settings, json.dumps(tampered))

    xref.receive(db, settings, body)
    with pytest.raises(Refused, match="replayed") as replay:
        xref.receive(db, settings, body)
    assert replay.value.kind is ErrorKind.CONFLICT

    # content to a partner not allowed to receive it: refused before anything is written or sent
    with pytest.raises(Refused, match="may not receive content"):
        xref.refer_case(db, settings, tr, case_id, "az-platform", include_content=True, legal_basis="law X")
    # above the partner's share level
    with pytest.raises(Refused, match="above partner 'az-platform'"):
        xref.refer_case(db, settings, tr, case_id, "az-platform", share_level="red")
    assert len(_outbox(db, tr.org_id)) == 1

    # unknown key: a stranger signs as if it were a partner
    create_org(db, "Stranger", kind="platform")
    stranger = _principal(db, "Stranger")
    partners.add_partner(db, stranger.org_id, "az", identity.current_key(db, az.org_id).public_key)
    forged, _ = sealed.seal(db, stranger.org_id, xref.KIND_REFERRAL,
                            {"referral": "0" * 36, "case": {"category": "other"}},
                            to=sealed.peer(db, stranger.org_id, "az"), share_level="amber")
    with pytest.raises(Refused, match="unknown key"):
        xref.receive(db, settings, forged)

    # revoked: AZ revokes the hotline; its next message is refused
    partners.revoke_partner(db, az.org_id, "tr-hotline", reason="test")
    xref.refer_case(db, settings, tr, case_id, "az-platform", deliver=False)
    with pytest.raises(Refused, match="revoked"):
        xref.receive(db, settings, _outbox(db, tr.org_id)[-1])


def test_content_goes_only_to_an_authorised_partner_with_a_legal_basis(db, settings, pair, case_id):
    tr, _ = pair
    partners.update_partner(db, tr.org_id, "az-platform", may_receive_content=True)
    with pytest.raises(ValueError, match="legal basis"):
        xref.refer_case(db, settings, tr, case_id, "az-platform", include_content=True)
    xref.refer_case(db, settings, tr, case_id, "az-platform", include_content=True,
                    legal_basis="bilateral agreement, art. 4")
    (body,) = _outbox(db, tr.org_id)
    payload = json.loads(body)["body"]
    assert json.loads(body)["content"] is True
    assert payload["case"]["content"]["descriptions"] == [
        "an invented description that must not leave without a legal basis"]
    assert "contact" not in json.dumps(payload)


def test_witness_flags_a_cut_trail(db, settings, pair):
    tr, az = pair
    first = witness.send(db, tr, "az-platform", deliver=False)
    assert witness.receive(db, json.dumps(first["message"]))["verdict"] == "first"
    second = witness.send(db, tr, "az-platform", deliver=False)
    assert second["seq"] > first["seq"]
    assert witness.receive(db, json.dumps(second["message"]))["verdict"] == "extends"
    with pytest.raises(Refused, match="replayed"):
        witness.receive(db, json.dumps(second["message"]))
    (st,) = witness.state(db, az)
    assert st.partner == "tr-hotline" and st.problems == 0 and st.highest_seq == second["seq"]

    # the judgement itself: a lower count than witnessed is a cut, another head for a count a fork
    prev = [{"seq": 10, "head": "a" * 64, "signer": "k"}, {"seq": 20, "head": "b" * 64, "signer": "k"}]
    assert witness.judge(prev, 15, "c" * 64, "k")[0] == "cut"
    assert witness.judge(prev, 20, "c" * 64, "k")[0] == "forked"
    assert witness.judge(prev, 20, "b" * 64, "k")[0] == "same"
    assert witness.judge(prev, 21, "d" * 64, "k")[0] == "extends"
    assert witness.judge(prev, 21, "d" * 64, "other")[0] == "key_changed"

    # a checkpoint made for one partner, shown to another organisation: not addressed to it
    create_org(db, "Third", kind="ngo")
    third = _principal(db, "Third")
    partners.add_partner(db, third.org_id, "tr", identity.current_key(db, tr.org_id).public_key)
    env = json.loads(json.dumps(second["message"]))
    env["to"] = identity.current_key(db, third.org_id).key_id
    with pytest.raises(Refused, match="tampered"):
        witness.receive(db, json.dumps(env))


def test_witness_refuses_a_checkpoint_not_signed_by_its_audit_key(db, settings, pair):
    tr, _ = pair
    msg = witness.send(db, tr, "az-platform", deliver=False)["message"]
    cp = msg["body"]["checkpoint"]
    cp["seq"] = cp["seq"] + 1000  # a forged count, re-sealed with the organisation's valid key
    body, _ = sealed.seal(db, tr.org_id, witness.KIND, {"checkpoint": cp},
                          to=sealed.peer(db, tr.org_id, "az-platform"), share_level="clear")
    with pytest.raises(Refused, match="audit checkpoint was not signed"):
        witness.receive(db, body)


def test_unknown_partner_is_a_clear_error(db, settings, pair, case_id):
    tr, _ = pair
    with pytest.raises(ExchangeError, match="no partner 'nobody'"):
        xref.refer_case(db, settings, tr, case_id, "nobody")


ROUTING = """
id: tr  # the same id as the shipped file: this one replaces it
name: Türkiye with a partner abroad
countries: [TR]
agencies:
  az_platform:
    name: Platform AZ (notice and action, via Tutela exchange)
    kind: platform
    partner: az-platform
  police:
    name: Cyber police
    kind: police
rules:
  - name: exploitation
    categories: [sexual_exploitation]
    route_to: [az_platform, police]
default: [police]
"""


def test_routing_names_a_partner_and_its_steps_move_the_local_referral(db, settings, pair, case_id):
    from tutela.cases import service

    tr, az = pair
    (settings.data_dir / "routing").mkdir(exist_ok=True)
    (settings.data_dir / "routing" / "tr-partners.yaml").write_text(ROUTING, encoding="utf-8")
    local = service.refer(db, settings, tr, case_id, ["az_platform", "police"])
    abroad = next(r for r in local if r.agency_id == "az_platform")
    (sent,) = xref.list_referrals(db, tr, direction="out", case_id=case_id)
    assert sent.referral_id == abroad.id and sent.partner == "az-platform"

    (body,) = _outbox(db, tr.org_id)
    answer = xref.receive(db, settings, body)
    xref.receive(db, settings, json.dumps(answer["receipt"]))
    (incoming,) = xref.list_referrals(db, az, direction="in")
    xref.record_step(db, settings, az, incoming.id, "acknowledged")
    xref.record_step(db, settings, az, incoming.id, "removed")
    for step_body in _outbox(db, az.org_id):
        xref.receive(db, settings, step_body)
    moved = next(r for r in service.list_referrals(db, tr) if r.id == abroad.id)
    assert moved.status == "content_removed" and moved.acknowledged_at and moved.content_removed_at
    police = next(r for r in service.list_referrals(db, tr) if r.agency_id == "police")
    assert police.status == "sent"  # the other agency is untouched


def test_routing_to_a_partner_that_may_not_receive_the_case_writes_nothing(db, settings, pair, case_id):
    from tutela.cases import service

    tr, _ = pair
    partners.update_partner(db, tr.org_id, "az-platform", categories=["fraud"])
    (settings.data_dir / "routing").mkdir(exist_ok=True)
    (settings.data_dir / "routing" / "tr-partners.yaml").write_text(ROUTING, encoding="utf-8")
    with pytest.raises(ValueError, match="category 'sexual_exploitation' is not among"):
        service.refer(db, settings, tr, case_id, ["az_platform", "police"])
    assert service.list_referrals(db, tr) == [] and _outbox(db, tr.org_id) == []


def test_a_checkpoint_not_delivered_is_sent_again_to_the_witness_inbox(db, settings, pair, monkeypatch):
    tr, _ = pair
    partners.update_partner(db, tr.org_id, "az-platform", url="http://partner.invalid")
    calls = []
    monkeypatch.setattr(sealed, "deliver", lambda url, path, body, **kw: (calls.append(path), (False, "down"))[1])
    out = witness.send(db, tr, "az-platform")
    assert not out["delivered"] and out["error"] == "down"
    assert xref.deliver_pending(db, settings, tr.org_id) == {"delivered": 0, "failed": 1}
    assert calls == [witness.INBOX_PATH, witness.INBOX_PATH]
