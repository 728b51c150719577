"""The conversations Tutela's engineers wrote for training and evaluation (fiction).

`banks/<lang>.json` holds the written lines: per grooming stage, children's
replies, neutral small talk, and whole ordinary conversations (classmates,
family, teams, gaming friends, first crushes between peers, and hard
negatives such as a surprise party kept secret or a coach arranging a
meeting). `build.py` assembles them into `<lang>.jsonl`, one conversation per
line with a stage label per message and a `split` of train or heldout.

The held-out split is honest about wording: held-out grooming conversations
use only stage lines that no training conversation uses, and held-out
ordinary conversations come from scenarios the training split never sees.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tutela.domain.languages import language_codes

CORPUS_DIR = Path(__file__).resolve().parent
LANGS = language_codes()  # the corpus has a file per supported language


def load_corpus(lang: str | None = None, split: str | None = None) -> list[dict[str, Any]]:
    """Conversations of the written corpus, filtered by language and split."""
    out = []
    for code in LANGS if lang is None else (lang,):
        path = CORPUS_DIR / f"{code}.jsonl"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; run `python -m tutela.conversations.corpus.build`")
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                conv = json.loads(line)
                if split is None or conv["split"] == split:
                    out.append(conv)
    return out
