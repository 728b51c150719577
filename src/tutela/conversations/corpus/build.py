"""Assemble the written lines in `banks/` into labelled conversations.

Run `python -m tutela.conversations.corpus.build`; the output is deterministic
(fixed seed), so the committed `<lang>.jsonl` files can be rebuilt exactly.

Grooming conversations follow one of several tactics (stage orders seen in
the grooming literature: flattery first, gifts first in games, fast move
off-platform, a push to meet), always with at least three manipulative stages
before anything sexual or coercive, and with the child's replies and small
talk in between. Ordinary conversations are the written scenarios, whole or
lightly varied.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from tutela.conversations.corpus import CORPUS_DIR, LANGS

BANKS = CORPUS_DIR / "banks"
HELDOUT_SHARE = 0.3
N_GROOMING = {"train": 16, "heldout": 8}
BASE_TS = 1_767_225_600  # 2026-01-01

TACTICS: list[tuple[str, list[str]]] = [
    ("classic", ["rapport", "personal", "gifts", "secrecy", "off_platform", "sexual", "images", "threats"]),
    ("fast_offplatform", ["rapport", "personal", "off_platform", "secrecy", "images", "threats"]),
    ("meeting", ["rapport", "personal", "secrecy", "gifts", "meeting", "sexual"]),
    ("gifts_first", ["gifts", "rapport", "secrecy", "off_platform", "images"]),
    ("slow_trust", ["rapport", "rapport", "personal", "secrecy", "off_platform", "sexual", "images", "meeting"]),
    ("no_late_stage", ["rapport", "personal", "gifts", "secrecy", "off_platform", "meeting"]),
    ("isolation", ["personal", "rapport", "secrecy", "secrecy", "meeting", "images", "threats"]),
    ("sextortion", ["rapport", "off_platform", "personal", "secrecy", "images", "threats", "threats"]),
]


def _split_pool(lines: list[str]) -> dict[str, list[str]]:
    k = max(1, math.ceil(len(lines) * HELDOUT_SHARE))
    return {"train": lines[:-k], "heldout": lines[-k:]}


def _grooming(bank: dict[str, Any], split: str, n: int, rng: random.Random) -> dict[str, Any]:
    lang = bank["lang"]
    pools = {s: _split_pool(v)[split] for s, v in bank["stages"].items()}
    if split == "train":  # lines written later, only ever used for training
        for s, extra in bank.get("stages_train_extra", {}).items():
            pools[s] = pools[s] + extra
    child = _split_pool(bank["child"])[split]
    filler = _split_pool(bank["filler"])[split]
    tactic, order = TACTICS[n % len(TACTICS)]
    used: set[str] = set()
    msgs: list[dict[str, Any]] = []
    ts = BASE_TS + rng.randrange(0, 300 * 86400)

    def add(sender: str, text: str, stages: list[str]) -> None:
        nonlocal ts
        ts += rng.randrange(20, 900) + (86400 if rng.random() < 0.15 else 0)
        msgs.append({"sender": sender, "text": text, "ts": ts, "stages": stages})

    add("adult", rng.choice(bank["opener"]), [])
    add("child", rng.choice(child), [])
    if rng.random() < 0.5:
        add("adult", rng.choice(filler), [])
        add("child", rng.choice(child), [])
    for stage in order:
        options = [x for x in pools[stage] if x not in used] or pools[stage]
        line = rng.choice(options)
        used.add(line)
        add("adult", line, [stage])
        if rng.random() < 0.75:
            add("child", rng.choice(child), [])
        if rng.random() < 0.25:
            add("adult", rng.choice(filler), [])
    return {
        "id": f"{lang}-groom-{split}-{n:02d}",
        "lang": lang,
        "split": split,
        "kind": "grooming",
        "tactic": tactic,
        "platform": rng.choice(bank["platforms"]),
        "roles": {"adult": "groomer", "child": "child"},
        "messages": msgs,
    }


def stage_lines(lang: str, split: str = "train") -> list[tuple[str, str]]:
    """Every written (line, stage) of a split, used in conversations or not (training examples)."""
    bank = json.loads((BANKS / f"{lang}.json").read_text(encoding="utf-8"))
    out = [(t, s) for s, v in bank["stages"].items() for t in _split_pool(v)[split]]
    if split == "train":
        out += [(t, s) for s, v in bank.get("stages_train_extra", {}).items() for t in v]
    return out


def _ordinary(
    bank: dict[str, Any], idx: int, variant: int, split: str, rng: random.Random, key: str = "ordinary"
) -> dict[str, Any]:
    lang = bank["lang"]
    scen = bank[key][idx]
    lines = list(scen["lines"])
    if variant == 1:
        # a lighter variation: drop one line from the middle and add small talk from a same-split scenario
        if len(lines) > 5:
            del lines[rng.randrange(2, len(lines) - 1)]
        same = [i for i in range(len(bank["ordinary"])) if _ord_split(i) == split and (key != "ordinary" or i != idx)]
        extra = bank["ordinary"][rng.choice(same)]["lines"][:3] if same else []
        lines = lines + extra
    ts = BASE_TS + rng.randrange(0, 300 * 86400)
    msgs = []
    for sender, text in lines:
        ts += rng.randrange(10, 600)
        msgs.append({"sender": sender, "text": text, "ts": ts, "stages": []})
    tag = "ord" if key == "ordinary" else "ordx"
    return {
        "id": f"{lang}-{tag}-{split}-{idx:02d}-{variant}",
        "lang": lang,
        "split": split,
        "kind": "ordinary",
        "scenario": scen["kind"],
        "platform": rng.choice(bank["platforms"]),
        "roles": {"a": "peer", "b": "peer"},
        "messages": msgs,
    }


def _ord_split(i: int) -> str:
    return "heldout" if i % 3 == 2 else "train"


def build_language(lang: str) -> list[dict[str, Any]]:
    bank = json.loads((BANKS / f"{lang}.json").read_text(encoding="utf-8"))
    # one random stream per split and kind: writing more training lines never reshuffles the held-out set
    convs = []
    for split, n in N_GROOMING.items():
        rng = random.Random(f"tutela-corpus-{lang}-grooming-{split}")
        for i in range(n):
            convs.append(_grooming(bank, split, i, rng))
    for split in ("train", "heldout"):
        rng = random.Random(f"tutela-corpus-{lang}-ordinary-{split}")
        for i in range(len(bank["ordinary"])):
            if _ord_split(i) == split:
                for variant in (0, 1):
                    convs.append(_ordinary(bank, i, variant, split, rng))
    # ordinary chats written later for training only (long chats and hard negatives): their own
    # random stream, so they never change the held-out set
    rng = random.Random(f"tutela-corpus-{lang}-ordinary-train-extra")
    for i in range(len(bank.get("ordinary_train_extra", []))):
        convs.append(_ordinary(bank, i, 0, "train", rng, key="ordinary_train_extra"))
    return convs


def main() -> None:
    for lang in LANGS:
        convs = build_language(lang)
        path: Path = CORPUS_DIR / f"{lang}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for c in convs:
                fh.write(json.dumps(c, ensure_ascii=False) + "\n")
        kinds = {(c["kind"], c["split"]) for c in convs}
        counts = {f"{k}/{s}": sum(1 for c in convs if (c["kind"], c["split"]) == (k, s)) for k, s in sorted(kinds)}
        print(lang, counts)


if __name__ == "__main__":
    main()
