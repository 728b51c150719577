"""Policy validation: every problem is reported with the line of the bad rule."""

from __future__ import annotations

import textwrap

import pytest

from tutela.policy.model import DEFAULT_POLICY_PATH, PolicyError, default_policy, parse_policy


def errors(src: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(textwrap.dedent(src).lstrip("\n"), filename="p.yaml")
    return [i.format("p.yaml") for i in info.value.issues]


def test_default_policy_is_valid_and_covers_every_nudge() -> None:
    pol = default_policy()
    assert pol.name == "tutela-default"
    nudges = {r.nudge for r in pol.rules if r.nudge}
    from tutela.help.nudges import RISKS

    assert nudges == set(RISKS)
    # priorities are sorted strongest first
    assert [r.priority for r in pol.rules] == sorted((r.priority for r in pol.rules), reverse=True)
    assert DEFAULT_POLICY_PATH.is_file()


def test_unknown_category_points_at_its_line_and_suggests() -> None:
    errs = errors("""
        policy: t
        rules:
          - id: ok
            when: {channel: dm}
            then: [allow]
          - id: x
            description: typo in a category
            when:
              score: {sexul_content: ">= 0.7"}
            then: [block]
        """)
    assert errs == ["p.yaml:9: rule 'x': unknown category 'sexul_content' (did you mean 'sexual_content'?)"]


def test_many_problems_reported_at_once_in_line_order() -> None:
    errs = errors("""
        policy: t
        rules:
          - id: a
            when:
              recipient.age_band: kid
            then: [blok]
          - id: b
            when:
              conversation_risk: "about 0.5"
            then: [block]
            nudge: hugs
          - id: a
            then: [allow]
          - id: c
            wehn: {channel: dm}
            then: [{report: police}]
        """)
    joined = "\n".join(errs)
    assert "p.yaml:5: rule 'a': recipient.age_band: unknown value 'kid'" in joined
    assert "p.yaml:6: rule 'a': unknown action 'blok' (did you mean 'block'?)" in joined
    assert "p.yaml:9: rule 'b': conversation_risk: cannot read comparison 'about 0.5'" in joined
    assert "p.yaml:11: rule 'b': unknown nudge 'hugs'" in joined
    assert "p.yaml:12: rule 'a': duplicate rule id (first on line 3)" in joined
    assert "p.yaml:15: rule 'c': unknown key 'wehn' (did you mean 'when'?)" in joined
    assert "p.yaml:16: rule 'c': report target must be one of hotline, authority, got 'police'" in joined
    lines = [int(e.split(":")[1]) for e in errs]
    assert lines == sorted(lines)


def test_unknown_condition_and_bad_types() -> None:
    errs = errors("""
        policy: t
        rules:
          - id: a
            when:
              all:
                - connected: "no"
                - sender.agee: 12
            then: [block]
          - id: b
            when: {hash_match: {bank_name: x}}
            then: [block]
          - id: c
            priority: high
            when: {flag: [sexual]}
            then: []
        """)
    joined = "\n".join(errs)
    assert "p.yaml:6: rule 'a': 'connected' must be true or false" in joined
    assert "p.yaml:7: rule 'a': unknown condition 'sender.agee' (did you mean 'sender.age'?)" in joined
    assert "p.yaml:10: rule 'b': hash_match: unknown key 'bank_name'" in joined
    assert "p.yaml:13: rule 'c': priority must be a whole number" in joined
    assert "p.yaml:14: rule 'c': flag: unknown value 'sexual'" in joined
    assert "rule 'c': 'then' needs at least one action" in joined


def test_nudge_needs_an_action_that_shows_it() -> None:
    errs = errors("""
        policy: t
        rules:
          - id: a
            when: {channel: dm}
            then: [block]
            nudge: secrecy
        """)
    assert errs == ["p.yaml:6: rule 'a': a nudge needs an action that shows it: nudge_recipient, "
                    "nudge_sender or warn_sender"]


def test_yaml_syntax_error_has_a_line() -> None:
    errs = errors("""
        policy: t
        rules:
          - id: a
            when: {channel: dm
            then: [block]
        """)
    assert len(errs) == 1 and errs[0].startswith("p.yaml:") and "YAML syntax" in errs[0]


def test_document_level_problems() -> None:
    assert errors("- just a list\n") == ["p.yaml:1: a policy is a mapping with 'policy' (its name) and 'rules'"]
    errs = errors("""
        policy: t
        ruls: []
        defaults: {service_for_kids: true}
        """)
    joined = "\n".join(errs)
    assert "p.yaml:2: unknown top-level key 'ruls' (did you mean 'rules'?)" in joined
    assert "p.yaml:3: unknown default 'service_for_kids'" in joined
    assert "the policy needs 'rules'" in joined


def test_duplicate_yaml_keys_are_refused() -> None:
    errs = errors("""
        policy: t
        rules:
          - id: a
            then: [block]
            then: [allow]
        """)
    assert errs == ["p.yaml:5: YAML syntax: duplicate key 'then'"] or "duplicate key 'then'" in errs[0]


def test_comparisons_parse() -> None:
    pol = parse_policy(textwrap.dedent("""
        policy: t
        rules:
          - id: a
            when:
              score: {fraud: 0.5, max: "> 0.2"}
              account_age_days: "< 30"
              country: [tr, AZ]
            then: [blur]
        """))
    assert pol.rules[0].ground is not None and pol.rules[0].ground.value == "fraud"
