"""Quality of the shipped text engine on our held-out split of shared/data/text.

    OMP_NUM_THREADS=1 python bench/text_quality.py [--compare /tmp/benchvenv/bin/python] [--json out.json]

Runs the whole engine (`analyze_texts`: language id, rules and the model, the
thresholds it ships) on the held-out 10% (hash split by group, never trained or
tuned on) and reports, per language and category, precision/recall/F1 of the
flags; macro-F1 for offensive language per language (cyberbullying flag
against the harassment/hate labels); grooming precision/recall; and
alt-profanity-check on the same English offensive-language rows.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from tutela.config import Settings  # noqa: E402
from tutela.detect import analyze_texts  # noqa: E402
from tutela.detect.training.data import HEADS, default_data_dir, load_public  # noqa: E402
from tutela.detect.training.train import macro_f1, prf  # noqa: E402
from tutela.domain.taxonomy import Category  # noqa: E402

OFFENSIVE_SOURCES = {
    "en": ["davidson_hate_offensive", "formspring_cyberbullying", "cyberbullying_tweets"],
    "tr": ["offenseval_tr_2020"],
    "fa": ["pars_off", "pars_offensive"],
    "ru": ["russe_detox_2022", "russian_distorted_toxicity"],
}

COMPARE_SCRIPT = r"""
import json, sys
from profanity_check import predict_prob
texts = json.load(open(sys.argv[1]))
print(json.dumps([float(p) for p in predict_prob(texts)]))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--compare", default="/tmp/benchvenv/bin/python")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    try:
        rows = [r for r in load_public(default_data_dir()) if r.split == "test"]
    except FileNotFoundError as exc:
        sys.exit(f"needs shared/data/text: {exc}")
    t = time.perf_counter()
    res = analyze_texts([r.text for r in rows], settings=Settings())
    elapsed = time.perf_counter() - t
    report: dict = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "rows": len(rows), "seconds": round(elapsed, 1)}
    langs = np.array([r.lang for r in rows])
    sources = np.array([r.source for r in rows])
    detected = np.array([a.lang for a in res])
    report["langid_accuracy"] = {
        lang: round(float((detected[langs == lang] == lang).mean()), 4) for lang in ("en", "tr", "fa", "ru")
    }
    per: dict = {}
    for head in HEADS:
        y = np.array([head in r.labels for r in rows])
        known = np.array([head not in r.masked for r in rows])
        pred = np.array([head in a.flags for a in res])
        if head is Category.PROFANITY:
            continue  # no gold labels for swearing in the data (only weak lexicon labels)
        for lang in sorted(set(langs.tolist())):
            m = known & (langs == lang)
            if y[m].sum() >= 5:
                per.setdefault(head.value, {})[lang] = prf(pred[m], y[m].astype(int))
    report["per_category"] = per
    off: dict = {}
    cb = np.array([Category.CYBERBULLYING in a.flags for a in res])
    for lang, srcs in OFFENSIVE_SOURCES.items():
        m = np.isin(sources, srcs)
        y = np.array([r.harm in ("harassment", "hate") for r in rows])[m].astype(int)
        off[lang] = {"macro_f1": macro_f1(cb[m], y), **prf(cb[m], y)}
    report["offensive"] = off
    g = sources == "pan12_grooming_segments"
    yg = np.array([r.harm == "grooming" for r in rows])[g].astype(int)
    pg = np.array([Category.SEXUAL_EXPLOITATION in a.flags for a in res])[g]
    report["grooming"] = {"all": prf(pg, yg)}
    for lang in ("en", "de", "nl"):
        m = langs[g] == lang
        report["grooming"][lang] = prf(pg[m], yg[m])
    m_en = np.isin(sources, OFFENSIVE_SOURCES["en"])
    en_texts = [r.text for r, keep in zip(rows, m_en, strict=True) if keep]
    y_en = np.array([r.harm in ("harassment", "hate") for r in rows])[m_en].astype(int)
    if os.path.exists(args.compare):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(en_texts, fh)
        out = subprocess.run([args.compare, "-c", COMPARE_SCRIPT, fh.name], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            p = np.array(json.loads(out.stdout.strip().splitlines()[-1]))
            report["alt_profanity_check_en_offensive"] = {"macro_f1": macro_f1(p >= 0.5, y_en), **prf(p >= 0.5, y_en)}
        else:
            print(out.stderr, file=sys.stderr)
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
