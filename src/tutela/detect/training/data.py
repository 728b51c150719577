"""Training data: the public sets in `shared/data/text` mapped to Tutela's categories, plus
the seed examples we wrote, with a reproducible train / calibration / held-out split.

Mapping (see the data README): harassment -> cyberbullying; hate -> hate_radicalisation
and also cyberbullying (hate speech is abusive language, and the offensive-language
sets count it as offensive); sexual -> sexual_content; self_harm -> self_harm;
scam -> fraud; grooming -> sexual_exploitation; violence -> violent_content;
other_harm and empty labels are left out (mixed or unclear). `none` is a negative
for every head, except where a source's `none` does not mean harmless for a head
(see `_MASKED`).

The split is by a hash of the row's group (the grooming file's `segment_id`, so that
translations of one chat never straddle splits; elsewhere the normalised text, so that
duplicates never straddle them): 80% train, 10% calibration (Platt scaling and thresholds),
10% held out for the model card. Rows under a non-commercial licence are left out of the
default model.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tutela.domain import taxonomy
from tutela.domain.taxonomy import Category

#: The categories the model learns, and what the public sets' `harm` labels mark: both from the taxonomy's
#: rows (`text_head`, `training_labels`). `none` marks nothing (a negative for every head); labels that are
#: not here (`other_harm`, empty) are left out.
HEADS: tuple[Category, ...] = taxonomy.text_heads()
HARM_TO_CATEGORIES: dict[str, tuple[Category, ...]] = {**taxonomy.training_labels(), "none": ()}

# Sources whose `none` means only "not the labelled harm" (see the data README): a forum of white
# supremacists, replies in far-right channels. Their rows teach only the heads named here; for every
# other head they are neither positives nor negatives.
_SPEAKS_ONLY_FOR: dict[str, frozenset[Category]] = {
    "stormfront_hate_en": frozenset({Category.HATE_RADICALISATION}),
    "threatgram101_en": frozenset({Category.VIOLENT_CONTENT}),
}

# Licences that forbid commercial use: left out of the default model (`include_noncommercial`
# builds the opt-in model that uses them).
NONCOMMERCIAL = re.compile(r"\bNC\b|non-?commercial", re.IGNORECASE)

# (file stem, head): the source's labels say nothing about this head, so its rows
# are neither positives nor negatives for it.
_MASKED: set[tuple[str, Category]] = {
    # a sensitive *topic* label: 'none' texts can still be rude or hateful
    ("snlp_sensitive_topics", Category.CYBERBULLYING),
    ("snlp_sensitive_topics", Category.HATE_RADICALISATION),
    ("snlp_sensitive_topics", Category.PROFANITY),
    # PAN12 'non-predatory' chats include consensual adult sexual talk
    ("pan12_grooming_segments", Category.SEXUAL_CONTENT),
    # cyberbullying tweets' 'gender'/'religion' classes overlap with hate; not a hate label
    ("cyberbullying_tweets", Category.HATE_RADICALISATION),
    # phate's vulgar/hate/violence columns overlap; only its own positive counts
    ("phate", Category.CYBERBULLYING),
}

SPLITS = ("train", "calib", "test")


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    lang: str
    source: str  # file stem, or "seed"
    harm: str
    group: str
    labels: frozenset[Category]  # positive heads
    masked: frozenset[Category]  # heads this row says nothing about

    @property
    def split(self) -> str:
        return split_of(self.group)


def split_of(group: str) -> str:
    """80/10/10 by a stable hash of the group id (independent of file order and Python's hash seed)."""
    u = int.from_bytes(hashlib.sha1(group.encode("utf-8")).digest()[:8], "big") / 2**64
    return "train" if u < 0.8 else ("calib" if u < 0.9 else "test")


def default_data_dir() -> Path:
    """`<repo>/../shared/data/text` for a source checkout."""
    return Path(__file__).resolve().parents[4].parent / "shared" / "data" / "text"


def is_noncommercial(licence: str) -> bool:
    """True for a licence that forbids commercial use (CC BY-NC-*)."""
    return NONCOMMERCIAL.search(licence) is not None


def text_group(text: str) -> str:
    """The split group of a text: its normalised form, so duplicates never straddle train and test."""
    canon = " ".join(text.casefold().split())
    return "t:" + hashlib.sha1(canon.encode("utf-8")).hexdigest()


def load_public(data_dir: Path, *, include_noncommercial: bool = False) -> list[Row]:
    """Every labelled row of every CSV in `data_dir` (raises FileNotFoundError when absent).

    Rows under a non-commercial licence are left out unless `include_noncommercial`: the default
    model must be usable by anyone, platforms included."""
    if not data_dir.is_dir():
        raise FileNotFoundError(f"training data folder not found: {data_dir}")
    files = sorted(data_dir.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no CSV files in {data_dir}")
    csv.field_size_limit(sys.maxsize)
    rows: list[Row] = []
    for path in files:
        stem = path.stem
        with path.open(newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                harm = (rec.get("harm") or "").strip()
                if harm not in HARM_TO_CATEGORIES or not (rec.get("text") or "").strip():
                    continue
                if not include_noncommercial and is_noncommercial(rec.get("license") or ""):
                    continue
                labels = frozenset(HARM_TO_CATEGORIES[harm])
                only = _SPEAKS_ONLY_FOR.get(stem)
                masked = frozenset(
                    h for h in HEADS
                    if h not in labels and ((stem, h) in _MASKED or (only is not None and h not in only))
                )
                group = rec.get("segment_id") or text_group(rec["text"])
                rows.append(Row(rec["text"], rec["lang"], stem, harm, group, labels, masked))
    return rows


def load_seed() -> list[Row]:
    """Our own written examples (all in the training split: they are too few to hold out)."""
    path = resources.files("tutela.detect.training") / "seed" / "examples.jsonl"
    rows = []
    for k, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        rec = json.loads(line)
        labels = frozenset(Category(c) for c in rec["labels"]) & frozenset(HEADS)
        rows.append(Row(rec["text"], rec["lang"], "seed", ",".join(rec["labels"]) or "none", f"seed:{k}", labels, frozenset()))
    return rows
