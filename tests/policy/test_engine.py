"""The policy engine over hand-made analyses: every action, verdict order, combinators, nudge choice."""

from __future__ import annotations

import textwrap

import pytest

from tutela.domain.policy import VERDICTS, Action
from tutela.policy.model import parse_policy

from .helpers import analysis, run

EVERY_ACTION = textwrap.dedent("""
    policy: every-action
    rules:
      - id: allow-trusted
        when: {channel: trusted}
        then: [allow]
      - id: warn
        when: {signal: personal_info, sender.minor: true}
        then: [warn_sender]
        nudge: personal_info
      - id: nudge-r
        when: {score: {cyberbullying: ">= 0.5"}}
        then: [nudge_recipient]
        nudge: bullying
      - id: nudge-s
        when: {score: {self_harm: ">= 0.5"}}
        then: [nudge_sender]
        nudge: self_harm
      - id: blur
        when: {score: {sexual_content: ">= 0.7"}}
        then: [blur]
      - id: hold
        when: {conversation_risk: ">= 0.6"}
        then: [hold_for_review]
      - id: block
        when: {score: {hate_radicalisation: ">= 0.9"}}
        then: [block]
      - id: limit
        when: {account_age_days: "< 2", connected: false, recipient.minor: true}
        then: [limit_contact]
      - id: preserve-and-case
        when: {hash_match: {any: true}}
        then: [preserve_evidence, open_case]
      - id: report
        when: {signal: threat}
        then: [{report: authority}, {report: hotline}]
""")


class Conv:
    def __init__(self, risk: float, stages: list[str] | None = None) -> None:
        self.risk = risk
        self.stages = stages or []


@pytest.fixture(scope="module")
def pol():
    return parse_policy(EVERY_ACTION)


@pytest.mark.parametrize(
    ("context", "a", "extra", "rule", "action"),
    [
        ({"channel": "trusted"}, None, {}, "allow-trusted", Action.ALLOW),
        ({"sender": {"age": 12}}, analysis(reasons={"phone number: 'x'": "privacy"}, privacy=0.8), {},
         "warn", Action.WARN_SENDER),
        ({}, analysis(cyberbullying=0.6), {}, "nudge-r", Action.NUDGE_RECIPIENT),
        ({}, analysis(self_harm=0.9), {}, "nudge-s", Action.NUDGE_SENDER),
        ({}, analysis(sexual_content=0.8), {}, "blur", Action.BLUR),
        ({}, None, {"conversation": Conv(0.7)}, "hold", Action.HOLD_FOR_REVIEW),
        ({}, analysis(hate_radicalisation=0.95), {}, "block", Action.BLOCK),
        ({"sender": {"account_age_days": 1}, "recipient": {"age": 14}}, None, {}, "limit", Action.LIMIT_CONTACT),
        ({}, None, {"hash_matches": [{"bank": "b", "category": "sexual_exploitation", "signal_type": "md5",
                                      "distance": 0}]}, "preserve-and-case", Action.PRESERVE_EVIDENCE),
        ({}, None, {"hash_matches": [{"bank": "b", "category": "fraud", "signal_type": "pdq", "distance": 3}]},
         "preserve-and-case", Action.OPEN_CASE),
        ({}, analysis(reasons={"sextortion threat: 'x'": "sexual_exploitation"}, sexual_exploitation=0.9), {},
         "report", Action.REPORT),
    ],
)
def test_every_action_fires_from_a_rule(pol, context, a, extra, rule, action) -> None:
    ev = run(pol, context, a, **extra)
    assert rule in ev.rule_ids
    assert action in ev.actions
    hit = next(h for h in ev.hits() if h.rule == rule)
    assert hit.evidence  # every fired rule says why


def test_report_targets_and_evidence(pol) -> None:
    ev = run(pol, {}, analysis(reasons={"sextortion threat: 'x'": "sexual_exploitation"}, sexual_exploitation=0.9))
    assert ev.report_to == ["authority", "hotline"]
    assert ev.hits()[0].evidence == ["signals: threat"]


def test_no_rule_means_allow(pol) -> None:
    ev = run(pol, {}, analysis())
    assert ev.decision is Action.ALLOW and ev.actions == [Action.ALLOW] and ev.rules == []


def test_decision_is_the_strongest_verdict_and_actions_are_merged(pol) -> None:
    a = analysis(cyberbullying=0.6, sexual_content=0.8, hate_radicalisation=0.95)
    ev = run(pol, {}, a, conversation=Conv(0.9))
    assert ev.decision is Action.BLOCK
    assert set(ev.actions) == {Action.BLOCK, Action.HOLD_FOR_REVIEW, Action.BLUR, Action.NUDGE_RECIPIENT}
    assert Action.ALLOW not in ev.actions
    # strongest first
    from tutela.domain.policy import ACTION_SEVERITY

    sev = [ACTION_SEVERITY[x] for x in ev.actions]
    assert sev == sorted(sev, reverse=True)
    assert list(VERDICTS) == [Action.ALLOW, Action.WARN_SENDER, Action.BLUR, Action.HOLD_FOR_REVIEW, Action.BLOCK]


def test_final_rule_stops_lower_priorities() -> None:
    pol = parse_policy(textwrap.dedent("""
        policy: t
        rules:
          - id: partner-allowlist
            priority: 100
            final: true
            when: {platform: partner-app}
            then: [allow]
          - id: block-fraud
            when: {score: {fraud: ">= 0.5"}}
            then: [block]
        """))
    assert run(pol, {"platform": "partner-app"}, analysis(fraud=0.9)).decision is Action.ALLOW
    assert run(pol, {"platform": "other"}, analysis(fraud=0.9)).decision is Action.BLOCK


def test_combinators_and_missing_values() -> None:
    pol = parse_policy(textwrap.dedent("""
        policy: t
        rules:
          - id: r
            when:
              any:
                - all:
                    - country: [tr, az]
                    - channel: dm
                - not: {sender.age: ">= 18"}
            then: [blur]
        """))
    assert run(pol, {"country": "TR", "channel": "dm", "sender": {"age": 40}}).decision is Action.BLUR
    assert run(pol, {"country": "IR", "channel": "dm", "sender": {"age": 40}}).decision is Action.ALLOW
    # an unknown age never satisfies a comparison, so `not` of it holds
    assert run(pol, {"country": "IR"}).decision is Action.BLUR
    ev = run(pol, {"country": "IR", "sender": {"age": 15}})
    assert ev.hits()[0].evidence == ["not (sender.age=15 >= 18)"]


def test_unknown_recipient_is_a_minor_where_the_service_is_for_minors() -> None:
    pol = parse_policy(textwrap.dedent("""
        policy: t
        defaults: {service_for_minors: true}
        rules:
          - id: r
            when: {recipient.minor: true, score: {sexual_content: 0.7}}
            then: [blur]
        """))
    a = analysis(sexual_content=0.9)
    assert run(pol, {}, a).decision is Action.BLUR  # unknown age, service for minors by policy default
    assert run(pol, {"service_for_minors": False}, a).decision is Action.ALLOW  # platform says otherwise
    assert run(pol, {"recipient": {"age": 30}}, a).decision is Action.ALLOW
    assert run(pol, {"recipient": {"age_band": "teen"}, "service_for_minors": False}, a).decision is Action.BLUR


def test_one_nudge_per_person_from_the_highest_priority_rule() -> None:
    pol = parse_policy(textwrap.dedent("""
        policy: t
        rules:
          - id: general
            priority: 10
            when: {score: {sexual_exploitation: 0.5}}
            then: [nudge_recipient]
            nudge: stranger_contact
          - id: specific
            priority: 20
            when: {signal: photo_request}
            then: [hold_for_review, nudge_recipient]
            nudge: photo_request
          - id: both
            when: {score: {self_harm: 0.5}}
            then: [nudge_sender, nudge_recipient]
            nudge: self_harm
        """))
    a = analysis(reasons={"image request: 'x'": "sexual_exploitation"}, sexual_exploitation=0.8)
    assert run(pol, {}, a).nudges == {"recipient": "photo_request"}
    assert run(pol, {}, analysis(sexual_exploitation=0.8)).nudges == {"recipient": "stranger_contact"}
    assert run(pol, {}, analysis(self_harm=0.9)).nudges == {"sender": "self_harm", "recipient": "self_harm"}


def test_hash_match_filters_and_grooming_stages() -> None:
    pol = parse_policy(textwrap.dedent("""
        policy: t
        rules:
          - id: csam
            when: {hash_match: {category: sexual_exploitation, signal_type: [md5, pdq]}}
            then: [block]
          - id: late-stage
            when: {grooming_stage: [images, threats], account_risk: 0.5}
            then: [hold_for_review]
          - id: no-match
            when: {hash_match: false, media: true}
            then: [blur]
        """))
    m = {"bank": "ncmec-like", "category": "sexual_exploitation", "signal_type": "pdq", "distance": 4}
    ev = run(pol, {}, None, hash_matches=[m], has_media=True)
    assert ev.rule_ids == ["csam"]
    assert "bank 'ncmec-like'" in ev.hits()[0].evidence[0]
    assert run(pol, {}, None, has_media=True).rule_ids == ["no-match"]

    class Acc:
        risk = 0.7

    ev = run(pol, {}, None, conversation=Conv(0.3, ["rapport", "images"]), account=Acc())
    assert ev.rule_ids == ["late-stage"]
