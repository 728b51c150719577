"""The compact state of one conversation and one account, and how a message updates it.

A state is a small JSON document (one row per conversation or account in the
database), never the message history: texts are scored as they arrive and
dropped, which keeps memory flat and stores no chat content at rest. Only
the message indices that drove a risk are kept, so a reviewer can go back to
the platform's own copy of the messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from tutela.conversations.ages import asks_age, bare_answer, declared_age
from tutela.conversations.patterns import addresses_family, speaks_openly
from tutela.conversations.risk import (
    N_STAGES,
    AgeView,
    RiskParams,
    StepOutcome,
    age_factor,
    any_minor,
    content_risk,
    decay_factor,
    display_risk,
    internal_risk,
    misrepresents_to_minor,
    r5,
    sextortion_pattern,
    stage_names,
    trust_then_request,
)
from tutela.conversations.segments import NO_TERMS, SegTerms, load_segment_model
from tutela.domain.conversation import (
    STAGES,
    AccountRisk,
    ConversationRisk,
    EvidenceItem,
    MessageIn,
    Stage,
)

_THREATS = STAGES.index(Stage.THREATS)
DEFAULT: Any = object()  # "use the installed whole-conversation model"
MAX_PARTIES = 200
MAX_WARNINGS = 20
MAX_ACCOUNT_CONVS = 200
MAX_MINORS = 1000


@dataclass
class Party:
    """One participant as seen inside one conversation."""

    age: int | None = None
    age_known: bool = False  # True: given by the platform; False: declared in the chat
    account_days: float | None = None
    n: int = 0
    ts: float | None = None  # time the evidence below was last decayed to
    e: list[float] = field(default_factory=lambda: [0.0] * N_STAGES)
    ev: list[list[float] | None] = field(default_factory=lambda: [None] * N_STAGES)  # [index, score]
    alerted: bool = False
    rel: str | None = None  # the platform's word on this sender's link to the others (latest message)
    claimed: list[int] | None = None  # [youngest, oldest] age they stated in the chat
    open: bool = False  # spoke of the child's family as people who know (`patterns.speaks_openly`)

    @property
    def known_minor(self) -> bool:
        """The platform says this participant is under 18 (a claim in the chat does not count)."""
        return self.age_known and self.age is not None and self.age < 18

    @property
    def needs_clear_threat(self) -> bool:
        """The sextortion floor needs a clear threat (`risk.sextortion_pattern`'s `minor_sender`) from
        this sender: a platform-known minor, linked family, or someone who spoke of the child's family
        as people who know (`open`). Why the last two: an aunt's "I won't delete it, I'll show you in ten
        years 😂" after her own photo request read as a threat at 0.68 with leverage and alerted at once;
        a sextortionist's threat to send the pictures is a strong phrase or reads near certain."""
        return self.known_minor or self.open or self.rel == "family"

    def age_view(self) -> AgeView:
        """The platform's age and the chat's claims, kept apart (see `risk.age_factor`)."""
        lo, hi = self.claimed if self.claimed else (None, None)
        return AgeView(known=self.age if self.age_known else None, declared_min=lo, declared_max=hi)

    def claim(self, age: int) -> None:
        self.claimed = [min(self.claimed[0], age), max(self.claimed[1], age)] if self.claimed else [age, age]
        if not self.age_known:
            self.age = self.claimed[0]

    def decayed(self, now: float | None, params: RiskParams) -> list[float]:
        if now is None or self.ts is None:
            return self.e
        f = decay_factor(now - self.ts, params.half_life_days)
        return self.e if f == 1.0 else [x * f for x in self.e]

    def to_obj(self) -> list[Any]:
        return [self.age, self.age_known, self.account_days, self.n, self.ts, self.e, self.ev, self.alerted, self.rel,
                self.claimed, self.open]

    @classmethod
    def from_obj(cls, o: list[Any]) -> Party:
        # states saved before a field existed are shorter: the missing tail takes its default
        rel = o[8] if len(o) > 8 else None
        claimed = list(o[9]) if len(o) > 9 and o[9] else None
        if claimed is None and o[0] is not None and not o[1]:
            claimed = [o[0], o[0]]  # an older state's declared age
        return cls(o[0], o[1], o[2], o[3], o[4], list(o[5]), list(o[6]), o[7], rel, claimed,
                   bool(o[10]) if len(o) > 10 else False)


@dataclass
class ConversationState:
    n: int = 0
    last_ts: float | None = None
    parties: dict[str, Party] = field(default_factory=dict)
    first_alert: int | None = None
    warnings: list[str] = field(default_factory=list)
    platform: str | None = None
    channel: str | None = None
    # whole-conversation bag: weight sum, squared-idf sum, feature count (see segments.py)
    sg: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    # the whole-conversation probability after the last message (recomputed from `sg`, not stored)
    seg_p: float = field(default=1.0, repr=False, compare=False)
    # an open question about the reader's age or grade: [asker, years a bare number in the answer adds]
    # (`ages.asks_age`), so that the other side's "12" or "в 6" is read as their age
    asked: list[Any] | None = None

    # ------------------------------------------------------------------ serialisation
    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "n": self.n,
                "t": self.last_ts,
                "p": {k: v.to_obj() for k, v in self.parties.items()},
                "fa": self.first_alert,
                "w": self.warnings,
                "pl": self.platform,
                "ch": self.channel,
                "sg": self.sg,
                "aq": self.asked,
            }
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> ConversationState:
        d = orjson.loads(raw)
        return cls(
            d["n"],
            d["t"],
            {k: Party.from_obj(v) for k, v in d["p"].items()},
            d["fa"],
            d["w"],
            d.get("pl"),
            d.get("ch"),
            _bag(d.get("sg")),
            asked=d.get("aq"),
        )

    # ------------------------------------------------------------------ scoring
    def _warn(self, msg: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(msg)
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append("further warnings not recorded")

    def party_risk(self, pid: str, params: RiskParams) -> tuple[float, list[float], list[str]]:
        """One participant's risk (internal scale) from their stage evidence, ages and the
        whole-conversation damping."""
        p = self.parties[pid]
        e = p.decayed(self.last_ts, params)
        others = [q.age_view() for k, q in self.parties.items() if k != pid and q.age is not None]
        own = p.age_view()
        factor, flags = age_factor(own, others, p.account_days, params, p.rel, p.open)
        lie = params.misrepresentation if misrepresents_to_minor(own, others) else 0.0
        damping = self.damping(params)
        if damping < 1.0 and self._undamped(p, others, e, params):
            damping = 1.0
        risk = min(1.0, content_risk(e, params, lie) * factor * damping)
        if sextortion_pattern(e, params, p.needs_clear_threat):
            risk = max(risk, params.threshold)
        return risk, e, flags

    @staticmethod
    def _undamped(p: Party, others: list[AgeView], e: list[float], params: RiskParams) -> bool:
        """The sender's request comes after trust-building towards a minor (`risk.trust_then_request`):
        the whole-conversation model does not damp it. Not for a platform-known minor (teenagers
        flirt with compliments and a photo), nor for family or someone who speaks openly of the
        child's family, nor a linked contact."""
        if p.known_minor or p.open or p.rel in ("family", "contact"):
            return False
        return any_minor(others) and trust_then_request(e, params)

    def _seg_prob(self, seg_model: Any) -> float:
        model = load_segment_model() if seg_model is DEFAULT else seg_model
        return 1.0 if model is None else model.score_terms(self.sg[0], self.sg[1])

    def damping(self, params: RiskParams) -> float:
        """How much of the stage risk stands once the whole conversation has been read.

        1 for short chats; in long ones, where the whole-conversation model is sure there is no
        grooming (probability under `seg_veto`), single cue phrases no longer raise an alert.
        """
        if params.seg_veto <= 0 or self.seg_p >= params.seg_veto:
            return 1.0
        lo, hi = params.seg_min_features, max(params.seg_gate_features, params.seg_min_features + 1)
        conf = min(1.0, max(0.0, (self.sg[2] - lo) / (hi - lo)))
        return 1.0 - conf * (1.0 - self.seg_p / params.seg_veto)

    def segment_risk(self, params: RiskParams, highest: float | None = None) -> float:
        """The whole-conversation score on the internal risk scale, weighted; 0 for short chats.

        The model is calibrated so that 0.5 is its own decision; mapped through the inverse of
        `display_risk`, it alerts exactly where the model decides grooming. `highest`: the highest party
        risk, where the caller has computed every party's already (`result`), so it is not computed twice."""
        if params.seg_weight <= 0 or self.sg[2] < params.seg_min_features:
            return 0.0
        if (self.sg[2] < params.seg_gate_features and self._platform_aged()
                and not self._stages_half_way(params, highest)):
            return 0.0
        risk = internal_risk(params.seg_weight * self.seg_p, params)
        return risk * params.peers if self.platform_peers() else risk

    def _stages_half_way(self, params: RiskParams, highest: float | None = None) -> bool:
        """Someone's stage risk is at least half the alert threshold.

        Why: in a short chat (fewer n-grams than `seg_gate_features`, where its say over the stage risk
        is still growing) the whole-conversation model alone read a clinic booking a 15-year-old ("your
        age? can your mother or father come?") at 0.64 and alerted with no stage anywhere near; a short
        chat it alerts on rightly already shows stages (no harmful dev chat's alert moved). Only where the
        platform gave an age (`_platform_aged`)."""
        half = 0.5 * params.threshold
        if highest is not None:
            return highest >= half
        return any(self.party_risk(pid, params)[0] >= half for pid in self.parties)

    def _platform_aged(self) -> bool:
        """The platform gave someone's age. Then the stage risk, with its age factors, judges a short chat
        and the whole-conversation model (PAN 2012: chats without ages) must wait for stages or a longer
        bag. Without ages it keeps its say: PAN's short held-out English segments, one sender each and no
        stage near, are found by it alone (gating them too dropped that recall from 0.977 to 0.864)."""
        return any(q.age_known for q in self.parties.values())

    def platform_peers(self) -> bool:
        """Every participant a minor by the platform's word, within three years of each other.

        Why it damps the whole-conversation model: that model (PAN 2012) learned an adult's
        predatory language; teenagers of an age flirting use the same words. The stage risk already
        applies the peers factor; a threat with leverage still alerts (`risk.sextortion_pattern`)."""
        ages = [q.age for q in self.parties.values()]
        known = all(q.age_known for q in self.parties.values())
        return (len(ages) >= 2 and known and all(a is not None and a < 18 for a in ages)
                and max(ages) - min(ages) <= 3)  # type: ignore[type-var, operator]

    def step(
        self,
        sender: str,
        msg: MessageIn,
        scores: list[float],
        params: RiskParams,
        seg_terms: SegTerms = NO_TERMS,
        seg_model: Any = DEFAULT,
    ) -> StepOutcome:
        """Apply one message (its sender id already keyed, its text already scored)."""
        out = StepOutcome(index=self.n)
        self.n += 1
        ts = msg.ts
        if ts is not None and self.last_ts is not None and ts < self.last_ts:
            w = f"message {out.index}: timestamp earlier than the previous message; scored in arrival order"
            out.warnings.append(w)
            self._warn(w)
            ts = self.last_ts  # the clock never runs backwards: no negative decay
        if ts is not None:
            self.last_ts = ts
        if msg.platform:
            self.platform = msg.platform
        if msg.channel:
            self.channel = msg.channel

        party = self.parties.get(sender)
        if party is None:
            if len(self.parties) >= MAX_PARTIES:
                w = f"message {out.index}: more than {MAX_PARTIES} participants; message not scored"
                out.warnings.append(w)
                self._warn(w)
                return out
            party = self.parties[sender] = Party()
            out.new_party = True
        if msg.sender_age is not None:
            party.age, party.age_known = msg.sender_age, True
        stated = declared_age(msg.text)
        if stated is None and self.asked is not None and self.asked[0] != sender:
            stated = bare_answer(msg.text, int(self.asked[1]))
        if stated is not None:
            party.claim(stated)
        if (question := asks_age(msg.text)) is not None:
            self.asked = [sender, question]
        elif self.asked is not None and self.asked[0] != sender:
            self.asked = None  # the other side has spoken: a number later is not this answer
        if msg.sender_account_age_days is not None:
            party.account_days = msg.sender_account_age_days
        if msg.relationship is not None:
            party.rel = msg.relationship
        if not party.open and scores[_THREATS] < params.peer_threat and speaks_openly(msg.text):
            # a family named as the audience of a threat ("or I send it to your dad and your uncle") is
            # not a family in the know
            party.open = True
        if len(self.parties) == 2 and addresses_family(msg.text):
            # the child calls the other "dad", "maman", "бабуль": a parent or grandparent, who speaks of the
            # family as one of it (two people only: in a group the address names no one)
            for who, other in self.parties.items():
                if who != sender:
                    other.open = True
        for who in msg.recipients:  # recipients are counterparts even before they write
            if who != sender and who not in self.parties and len(self.parties) < MAX_PARTIES:
                self.parties[who] = Party()
        for who, age in msg.ages.items():
            other = self.parties.get(who)
            if other is None and len(self.parties) < MAX_PARTIES:
                other = self.parties[who] = Party()
            if other is not None:
                other.age, other.age_known = age, True

        # decay the sender's evidence to now, then take the stronger of old and new
        e = party.decayed(self.last_ts, params)
        party.e = [r5(max(old, new)) for old, new in zip(e, scores, strict=True)]
        party.ts = self.last_ts
        for k, s in enumerate(scores):
            prev = party.ev[k]
            if s >= params.stage_min and (prev is None or s > prev[1]):
                party.ev[k] = [out.index, r5(s)]
        party.n += 1
        self.sg = [r5(self.sg[0] + seg_terms[0]), r5(self.sg[1] + seg_terms[1]), self.sg[2] + seg_terms[2]]
        self.seg_p = self._seg_prob(seg_model)
        risk, _, _ = self.party_risk(sender, params)
        if risk >= params.threshold:
            if not party.alerted:
                party.alerted = True
                out.crossed = True
        if self.first_alert is None and max(risk, self.segment_risk(params)) >= params.threshold:
            self.first_alert = out.index
        return out

    def result(self, conversation_id: str, params: RiskParams, seg_model: Any = DEFAULT) -> ConversationRisk:
        """The conversation's risk now: the riskiest party's, with that party's evidence."""
        self.seg_p = self._seg_prob(seg_model)
        best: tuple[float, str | None, list[float], list[str]] = (0.0, None, [0.0] * N_STAGES, [])
        for pid in self.parties:
            risk, e, flags = self.party_risk(pid, params)
            if risk > best[0] or best[1] is None:
                best = (risk, pid, e, flags)
        risk, suspect, e, age_flags = best
        seg = self.segment_risk(params, best[0])
        extra: list[str] = []
        if seg > risk:
            risk = seg
            extra.append("predatory_language")
        alert = risk >= params.threshold
        stages = stage_names(e, params)
        evidence: list[EvidenceItem] = []
        if suspect is not None:
            for k, item in enumerate(self.parties[suspect].ev):
                if item is not None and e[k] >= params.stage_min:
                    evidence.append(
                        EvidenceItem.model_construct(
                            message_index=int(item[0]), stage=STAGES[k], score=item[1], sender=suspect,
                            conversation_id=None,
                        )
                    )
        evidence.sort(key=lambda x: x.message_index)
        # model_construct: every field is computed here from validated state, so skip re-validation
        return ConversationRisk.model_construct(
            conversation_id=conversation_id,
            risk=round(display_risk(risk, params), 4),
            alert=alert,
            first_alert_at=self.first_alert,
            stages=stages,
            flags=conversation_flags(alert, stages, age_flags,
                                     suspect is not None and sextortion_pattern(e, params, self.parties[suspect].needs_clear_threat))
            + (extra if alert else []),
            evidence=evidence,
            suspect=suspect if risk > 0 else None,
            message_count=self.n,
            warnings=list(self.warnings),
        )


def _bag(raw: list[float] | None) -> list[float]:
    """The stored bag; states written before the idf model kept two numbers and are restarted."""
    if not raw or len(raw) != 3:
        return [0.0, 0.0, 0.0]
    return [float(raw[0]), float(raw[1]), float(raw[2])]


def conversation_flags(
    alert: bool, stages: list[Stage], age_flags: list[str], sextortion: bool = False
) -> list[str]:
    """Taxonomy flags a policy can act on; only raised with an alert. `sextortion`: the suspect's
    evidence fits `risk.sextortion_pattern` (a threat seen, images or sexual talk as leverage)."""
    if not alert:
        return []
    flags = ["sexual_exploitation"]
    if sextortion or (Stage.THREATS in stages and (Stage.IMAGES in stages or Stage.SEXUAL in stages)):
        flags.append("sextortion")
    if Stage.MEETING in stages:
        flags.append("meeting_request")
    if Stage.OFF_PLATFORM in stages:
        flags.append("off_platform")
    flags.extend(f for f in age_flags if f in ("adult_to_minor", "age_misrepresentation"))
    return flags


@dataclass
class AccountState:
    """One account (a sender id) across the organisation's conversations."""

    n: int = 0
    ts: float | None = None
    e: list[float] = field(default_factory=lambda: [0.0] * N_STAGES)
    ev: list[list[Any] | None] = field(default_factory=lambda: [None] * N_STAGES)  # [conv, index, score]
    convs: dict[str, list[float | None]] = field(default_factory=dict)  # conv -> [risk, ts]
    n_convs: int = 0
    alerted: int = 0
    minors: list[str] = field(default_factory=list)
    age: int | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"n": self.n, "t": self.ts, "e": self.e, "ev": self.ev, "c": self.convs, "nc": self.n_convs,
             "a": self.alerted, "m": self.minors, "age": self.age}
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> AccountState:
        d = orjson.loads(raw)
        return cls(d["n"], d["t"], d["e"], d["ev"], d["c"], d["nc"], d["a"], d["m"], d.get("age"))

    def step(
        self,
        conv_key: str,
        conv: ConversationState,
        sender: str,
        outcome: StepOutcome,
        scores: list[float],
        params: RiskParams,
    ) -> None:
        """Fold one message of this account into the account state (O(1) amortised)."""
        now = conv.last_ts
        if now is not None and self.ts is not None and now > self.ts:
            f = decay_factor(now - self.ts, params.half_life_days)
            self.e = [x * f for x in self.e]
        if now is not None and (self.ts is None or now > self.ts):
            self.ts = now
        self.e = [r5(max(a, b)) for a, b in zip(self.e, scores, strict=True)]
        for k, s in enumerate(scores):
            prev = self.ev[k]
            if s >= params.stage_min and (prev is None or s > prev[2]):
                self.ev[k] = [conv_key, outcome.index, r5(s)]
        self.n += 1
        if outcome.new_party:
            self.n_convs += 1
        if outcome.crossed:
            self.alerted += 1
        party = conv.parties.get(sender)
        if party is None:
            return
        if party.age is not None:
            self.age = party.age
        risk, _, _ = conv.party_risk(sender, params)
        self.convs[conv_key] = [r5(risk), conv.last_ts]
        if len(self.convs) > MAX_ACCOUNT_CONVS:  # keep the riskiest conversations
            lowest = min(self.convs, key=lambda c: (self.convs[c][0] or 0.0))
            del self.convs[lowest]
        # only the platform's word makes someone a minor here; "im 15 too" is what offenders say
        if (not party.age_known or party.age >= 18) and party.rel != "family":  # a parent is not "many minors"
            for who, q in conv.parties.items():
                if who != sender and q.age is not None and q.age < 18 and who not in self.minors:
                    if len(self.minors) < MAX_MINORS:
                        self.minors.append(who)

    def result(self, account_id: str, params: RiskParams, now: float | None = None) -> AccountRisk:
        now = now if now is not None else self.ts
        e = self.e
        if now is not None and self.ts is not None and now > self.ts:
            f = decay_factor(now - self.ts, params.half_life_days)
            e = [x * f for x in e]
        conv_max = 0.0
        for risk, ts in self.convs.values():
            r = risk or 0.0
            if now is not None and ts is not None:
                r *= decay_factor(now - ts, params.half_life_days)
            conv_max = max(conv_max, r)
        risk = max(conv_max, content_risk(e, params) * (params.adult_minor if self.minors else 1.0))
        m = len(self.minors)
        if m >= 2:
            risk *= min(params.many_minors_cap, 1.0 + params.many_minors_step * (m - 1))
        if self.alerted >= 2:
            risk = 1.0 - (1.0 - risk) * 0.7
        risk = min(1.0, risk)
        alert = risk >= params.threshold
        stages = stage_names(e, params)
        evidence = [
            EvidenceItem(conversation_id=str(item[0]), message_index=int(item[1]), stage=STAGES[k], score=item[2])
            for k, item in enumerate(self.ev)
            if item is not None and e[k] >= params.stage_min
        ]
        flags = conversation_flags(alert, stages, ["adult_to_minor"] if self.minors and alert else [])
        if alert and m >= 2:
            flags.append("many_minors")
        return AccountRisk(
            account_id=account_id,
            risk=round(display_risk(risk, params), 4),
            alert=alert,
            conversations=self.n_convs,
            alerted_conversations=self.alerted,
            minor_counterparts=m,
            stages=stages,
            flags=flags,
            evidence=evidence,
            message_count=self.n,
        )
