"""The first-stage model: one calibrated linear head per category over hashed n-grams.

The artefact is a compressed `.npz` holding only numbers (pruned float16
coefficients, intercepts, Platt calibration and thresholds), never a pickle:
it stays a few MB, loads in milliseconds and does not break when
scikit-learn changes its internals. `tutela train text` writes it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from tutela.detect.features import featurize
from tutela.domain.taxonomy import Category

ARTEFACT = "text_linear.npz"


@dataclass
class LinearModel:
    """Calibrated linear heads: `predict(normalized_texts)` -> probabilities (n, heads)."""

    heads: tuple[Category, ...]
    coef: sp.csc_matrix  # (n_features, heads)
    intercept: np.ndarray  # (heads,)
    calib: np.ndarray  # (heads, 2): p = sigmoid(a * z + b)
    thresholds: dict[str, float] = field(default_factory=dict)
    lang_thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    # language-specific heads, stored as extra columns after `heads`: name -> (category, languages)
    # e.g. {"cyberbullying@tr": ("cyberbullying", ["tr", "az"])}; they replace the shared head's
    # probability for texts in those languages
    lang_heads: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    # Domain experts (see `training/experts.py`): a router over `routes` (public sources and `chat`)
    # and one head per source, calibrated, with its own threshold: source -> (category, threshold,
    # governed categories: other model heads the source's labels speak for, which the expert's "no" caps).
    routes: list[str] = field(default_factory=list)
    router: sp.csc_matrix | None = None  # (n_features, routes), or (n_features + experts.N_SHAPE, routes): see experts.shape_features
    router_intercept: np.ndarray | None = None
    experts: dict[str, tuple[str, float, list[str]]] = field(default_factory=dict)
    expert_coef: sp.csc_matrix | None = None  # (n_features, experts), calibration folded in
    expert_intercept: np.ndarray | None = None

    def __post_init__(self) -> None:
        w = sp.csr_matrix(self.coef, dtype=np.float32)
        self._w = w  # explanations score single words with it (`word_scores`)
        router = None if self.router is None else sp.csr_matrix(self.router, dtype=np.float32)
        # a router fitted with the texts' written form (`experts.shape_features`) has those rows after the n-grams'
        self._router_shape: np.ndarray | None = None
        if router is not None and router.shape[0] > w.shape[0]:
            self._router_shape = router[w.shape[0]:].toarray()
            router = router[: w.shape[0]]
        experts = None if self.expert_coef is None else sp.csr_matrix(self.expert_coef, dtype=np.float32)
        # the heads, the router and the experts in one compact form (`_Compact`): a batch is one CSR x dense
        # product whose columns are the three's, so each feature's coefficients are read from memory once, not
        # from three tables (each sparse x sparse product was ~4x the CPU of a compact one; three compact products
        # ~2x the one joint product: docs/benchmarks.md, "Fast stage and cascade, seventh session")
        self._joint = _Compact.of(w, *([router, experts] if router is not None and experts is not None else []))
        self._has_experts = router is not None and experts is not None
        # by a route's index, its expert (`_RouteExpert`); and the `chat` route's index (-1: none): looked up
        # for every text the router is sure of, on every call of the fast stage
        from tutela.detect.training.experts import CHAT

        self._expert_of_route: dict[int, _RouteExpert] = {}
        if self._has_experts:
            self._expert_of_route = {self.routes.index(source): self._route_expert(k, *spec)
                                     for k, (source, spec) in enumerate(self.experts.items())}
        self._chat_route = self.routes.index(CHAT) if CHAT in self.routes else -1
        # second experts (`experts.SECOND_ROUTE_MIN`): by the likeliest route (row) and expert (column), whether
        # that expert may answer for its category there (another source's, of a category the route's source
        # does not label); and each expert's route
        from tutela.detect.training.experts import governed_by

        self._expert_routes = np.array([self.routes.index(s) for s in self.experts], dtype=np.int64)
        self._second = np.zeros((len(self.routes), len(self.experts)), dtype=bool)
        for r, route in enumerate(self.routes):
            for k, (category, _, _) in enumerate(self.experts.values()):
                self._second[r, k] = r != self._expert_routes[k] and category not in governed_by(route)

    def _route_expert(self, column: int, category: str, threshold: float, governs: list[str]) -> _RouteExpert:
        head = self.heads.index
        return _RouteExpert(column, category, threshold, head(Category(category)),
                            tuple((other, head(Category(other))) for other in governs))

    def decision(self, x: sp.csr_matrix) -> np.ndarray:
        return self._decision(self._joint.product(x))

    def _decision(self, joint: np.ndarray) -> np.ndarray:
        """The heads' scores from `_joint`'s product (its first columns)."""
        return joint[:, : self._joint.widths[0]].astype(np.float64) + self.intercept

    def predict_features(self, x: sp.csr_matrix) -> np.ndarray:
        return self._probabilities(self._decision(self._joint.product(x)))

    def _probabilities(self, z: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.calib[:, 0] * z + self.calib[:, 1])))

    def predict(
        self, normalized: list[str], langs: list[str] | None = None, originals: list[str] | None = None
    ) -> np.ndarray:
        """Probabilities (n, len(heads)); language-specific heads answer for their languages, and a
        source's expert answers for its category where the router is sure a text reads like that source.
        `originals` (the texts as they arrived) give the router their written form; without them it reads
        the normalised texts' form."""
        return self.predict_x(featurize(normalized), langs, texts=originals if originals is not None else normalized)

    def predict_in_domain(
        self, normalized: list[str], langs: list[str] | None = None, originals: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`predict`, plus (n, heads) where a source's expert said "not harmful" (the engine lets no noisy
        phrase rule of those categories flag there either), plus (n,) the texts the router is sure read
        like a public source rather than a chat: the source's name, or "" (see `training/experts.py`),
        plus (n,) whether the router's likeliest route is `chat` (True for every text without a router)."""
        veto = np.zeros((len(normalized), len(self.heads)), dtype=bool)
        public = np.full(len(normalized), "", dtype=object)
        chat = np.ones(len(normalized), dtype=bool)
        texts = originals if originals is not None else normalized
        return self.predict_x(featurize(normalized), langs, veto, public, chat, texts), veto, public, chat

    def predict_x(
        self, x: sp.csr_matrix, langs: list[str] | None = None, veto: np.ndarray | None = None,
        public: np.ndarray | None = None, chat: np.ndarray | None = None, texts: list[str] | None = None,
    ) -> np.ndarray:
        """`predict` on features already computed (training compares heads on the same matrix). `texts`:
        what the router reads the written form of (needed when the router was fitted with it)."""
        joint = self._joint.product(x)
        p = self._probabilities(self._decision(joint))
        out = p[:, : len(self.heads)]
        if langs is not None and self.lang_heads:
            for k, (cat, head_langs) in enumerate(self.lang_heads.values()):
                # `np.isin(langs, head_langs)` without its set-up (~30 us a call, a one-text batch's share)
                rows = np.fromiter((lang in head_langs for lang in langs), dtype=bool, count=len(langs))
                if rows.any():
                    out[rows, self.heads.index(Category(cat))] = p[rows, len(self.heads) + k]
        if self._has_experts and x.shape[0]:
            self._apply_experts(joint, out, langs, veto, public, chat, texts)
        return out

    def threshold(self, category: str, lang: str | None) -> float:
        """The shipped flag threshold of a head for a language (the language's own, else the head's)."""
        return self.lang_thresholds.get(lang or "", {}).get(category, self.thresholds.get(category, 0.5))

    def _apply_experts(
        self, joint: np.ndarray, out: np.ndarray, langs: list[str] | None, veto: np.ndarray | None,
        public: np.ndarray | None, chat: np.ndarray | None = None, texts: list[str] | None = None,
    ) -> None:
        """The router and the experts, from `_joint`'s product (`joint`: its columns after the heads')."""
        from tutela.detect.training.experts import add_shape_scores, route_probabilities, sure_routes

        n_head, n_route, _ = self._joint.widths
        scores = add_shape_scores(np.asarray(joint[:, n_head : n_head + n_route], dtype=np.float64), texts,
                                  self._router_shape)
        route_p = route_probabilities(scores + self.router_intercept)
        best, sure = sure_routes(route_p, self.routes)
        z = joint[:, n_head + n_route :] + self.expert_intercept
        pe = 1.0 / (1.0 + np.exp(-z))
        if chat is not None:
            chat[:] = best == self._chat_route
        if public is not None:
            public[sure] = np.array(self.routes, dtype=object)[best[sure]]
        # each text has one likeliest route, so at most one expert answers for it: visit the sure texts
        # (a few in a chat batch), not every expert with a mask over the batch (~0.3 ms a call of one)
        for i in np.flatnonzero(sure).tolist():
            found = self._expert_of_route.get(int(best[i]))
            if found is None:
                continue
            k, cat, thr, own, governs = found
            lang = langs[i] if langs is not None else None
            e = float(pe[i, k])
            out[i, own] = _onto(e, thr, self.threshold(cat, lang))
            if e < thr:  # the source's own judge says "not harmful": the heads it speaks for may not flag
                if veto is not None:
                    veto[i, own] = True
                for other, j in governs:
                    out[i, j] = min(out[i, j], _onto(e, thr, self.threshold(other, lang)))
                    if veto is not None:
                        veto[i, j] = True
        self._apply_second_experts(route_p, best, sure, pe, out, langs)

    def _apply_second_experts(
        self, route_p: np.ndarray, best: np.ndarray, sure: np.ndarray, pe: np.ndarray, out: np.ndarray,
        langs: list[str] | None,
    ) -> None:
        """Where a text surely reads like a public source, another source's expert whose route probability
        reaches `experts.SECOND_ROUTE_MIN` may raise its own category, one the likeliest source does not
        label (see `training/experts.py`). It only adds a flag: its "no" takes nothing away, so no expert
        of another source can hide what the general heads see (grooming, fraud) in a text it only half fits."""
        from tutela.detect.training.experts import SECOND_ROUTE_MIN

        if not self._second.size or not sure.any():
            return
        rows = np.flatnonzero(sure)
        pr = route_p[rows][:, self._expert_routes]
        for a, k in zip(*np.nonzero(self._second[best[rows]] & (pr >= SECOND_ROUTE_MIN)), strict=True):
            expert = self._expert_of_route[int(self._expert_routes[k])]
            i, e = int(rows[a]), float(pe[rows[a], k])
            if e >= expert.threshold:
                lang = langs[i] if langs is not None else None
                out[i, expert.head] = max(out[i, expert.head], _onto(e, expert.threshold, self.threshold(expert.category, lang)))

    def word_scores(self, words: list[str]) -> dict[str, np.ndarray]:
        """Each word's own decision contribution per head, featurised in one batch.

        Explanations say which words pushed a head up; doing it for all the
        flagged texts of a batch at once keeps the cost to one sparse product.
        """
        unique = list(dict.fromkeys(words))
        if not unique:
            return {}
        z = (featurize(unique) @ self._w).toarray()
        return {w: z[k] for k, w in enumerate(unique)}

    def word_contributions(self, normalized: str, head: int, top: int = 3) -> list[tuple[str, float]]:
        """The words whose own features push this head up the most (for explanations)."""
        words = explainable_words(normalized)
        scores = self.word_scores(words)
        ranked = sorted(((w, float(scores[w][head])) for w in words), key=lambda t: -t[1])
        return [(w, s) for w, s in ranked[:top] if s > 0]

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            heads=np.array([h.value for h in self.heads]),
            coef_data=self.coef.data.astype(np.float16),
            coef_indices=self.coef.indices.astype(np.int32),
            coef_indptr=self.coef.indptr.astype(np.int64),
            coef_shape=np.array(self.coef.shape, dtype=np.int64),
            intercept=self.intercept.astype(np.float32),
            calib=self.calib.astype(np.float32),
            thresholds=np.array(json.dumps(self.thresholds)),
            lang_thresholds=np.array(json.dumps(self.lang_thresholds)),
            meta=np.array(json.dumps(self.meta)),
            lang_heads=np.array(json.dumps(self.lang_heads)),
            **self._expert_arrays(),
        )

    def _expert_arrays(self) -> dict[str, np.ndarray]:
        if self.router is None or self.expert_coef is None:
            return {}
        arrays: dict[str, np.ndarray] = {
            "routes": np.array(self.routes),
            "experts": np.array(json.dumps(self.experts)),
            "router_intercept": np.asarray(self.router_intercept, dtype=np.float32),
            "expert_intercept": np.asarray(self.expert_intercept, dtype=np.float32),
        }
        for name, m in (("router", self.router), ("expert", self.expert_coef)):
            m = sp.csc_matrix(m)
            arrays |= {f"{name}_data": m.data.astype(np.float16), f"{name}_indices": m.indices.astype(np.int32),
                       f"{name}_indptr": m.indptr.astype(np.int64), f"{name}_shape": np.array(m.shape, dtype=np.int64)}
        return arrays

    @classmethod
    def load(cls, path: Path | str) -> LinearModel:
        with np.load(path, allow_pickle=False) as z:
            coef = sp.csc_matrix(
                (z["coef_data"].astype(np.float32), z["coef_indices"], z["coef_indptr"]),
                shape=tuple(int(v) for v in z["coef_shape"]),
            )
            return cls(
                heads=tuple(Category(h) for h in z["heads"]),
                coef=coef,
                intercept=z["intercept"].astype(np.float64),
                calib=z["calib"].astype(np.float64),
                thresholds=json.loads(str(z["thresholds"])),
                lang_thresholds=json.loads(str(z["lang_thresholds"])),
                meta=json.loads(str(z["meta"])),
                lang_heads={k: (v[0], list(v[1])) for k, v in json.loads(str(z["lang_heads"])).items()}
                if "lang_heads" in z.files
                else {},
                **_load_experts(z),
            )


class _RouteExpert(NamedTuple):
    """A public source's expert as the fast stage applies it (`LinearModel.experts`, with head indices)."""

    column: int  # in `expert_coef`
    category: str
    threshold: float
    head: int  # the category's column in `heads`
    governs: tuple[tuple[str, int], ...]  # the other categories its "no" caps, with their heads' columns


@dataclass(frozen=True)
class _Compact:
    """Sparse (n_features, k) coefficient matrices side by side, as one dense matrix over the features they use.

    Only features with a non-zero in any of them get a row (the rest map to a final all-zero row), so a
    batch is one CSR x dense product, several times faster than sparse x sparse, in rows x k floats instead
    of 2^20 x k; and one product for several matrices reads each feature's coefficients from one place
    (a random row of a table far larger than the caches: the reads, not the arithmetic, are the cost). The
    sums are the same up to float32 rounding order (~1e-7) as sparse x sparse, and each output column's are
    bit-identical whichever matrices stand beside it (every column sums its products in the row's order)."""

    lookup: np.ndarray  # (n_features,) int32: each feature's row in `dense`
    dense: np.ndarray  # (used features + 1, sum of widths) float32
    widths: tuple[int, ...]  # each matrix's columns, in the order given

    @classmethod
    def of(cls, *ws: sp.csr_matrix) -> _Compact:
        used = np.flatnonzero(np.logical_or.reduce([np.diff(w.indptr) > 0 for w in ws]))
        lookup = np.full(ws[0].shape[0], len(used), dtype=np.int32)
        lookup[used] = np.arange(len(used), dtype=np.int32)
        widths = tuple(int(w.shape[1]) for w in ws)
        dense = np.zeros((len(used) + 1, sum(widths)), dtype=np.float32)
        # filled from the sparse rows in place: `toarray()` would hold a second dense copy while loading
        offset = 0
        for w, width in zip(ws, widths, strict=True):
            rows = w[used]
            rows.sum_duplicates()
            dense[np.repeat(np.arange(len(used)), np.diff(rows.indptr)), offset + rows.indices] = rows.data
            offset += width
        return cls(lookup, dense, widths)

    def compact(self, x: sp.csr_matrix) -> sp.csr_matrix:
        """`x` with its columns moved onto `dense`'s rows."""
        return sp.csr_matrix((x.data, self.lookup[x.indices], x.indptr), shape=(x.shape[0], self.dense.shape[0]))

    def product(self, x: sp.csr_matrix) -> np.ndarray:
        """(n, sum of widths) float32: `x @ w` of every matrix, side by side."""
        return csr_product(x.indptr, self.lookup[x.indices], x.data, self.dense, lambda: self.compact(x))


def csr_product(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, dense: np.ndarray,
                matrix: Callable[[], sp.csr_matrix]) -> np.ndarray:
    """(rows, k): the CSR rows (`indptr`, `indices`, `data`) times `dense` (float32, C order), by scipy's
    own kernel for a CSR x dense product, called on the arrays. Building the `csr_matrix` (`matrix()`) and
    dispatching the product cost ~30 us a call, most of a one-text batch's product; the kernel's sums are the
    ones `matrix() @ dense` gives, bit for bit. Where the arrays are not the float32 / int32 ones it takes,
    or scipy moved it, the product goes through `matrix()`."""
    if (_csr_matvecs is None or data.dtype != np.float32 or dense.dtype != np.float32
            or indptr.dtype != np.int32 or indices.dtype != np.int32 or not dense.flags.c_contiguous):
        return np.asarray(matrix() @ dense)
    out = np.zeros((len(indptr) - 1, dense.shape[1]), dtype=np.float32)
    _csr_matvecs(len(indptr) - 1, dense.shape[0], dense.shape[1], indptr, indices, data, dense.ravel(), out.ravel())
    return out


try:  # the kernel `csr_matrix @ ndarray` runs (scipy.sparse._compressed._matmul_multivector)
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - another scipy layout: the public product
    _csr_matvecs = None


def _onto(e: float, own: float, target: float) -> float:
    """Move a score from its own operating point onto another's, keeping the order of scores."""
    if e < own:
        return target * e / own
    return target + (1.0 - target) * (e - own) / max(1.0 - own, 1e-9)


def _load_experts(z: Any) -> dict[str, Any]:
    """The router and experts of an artefact that has them (older artefacts have none)."""
    if "routes" not in z.files:
        return {}

    def matrix(name: str) -> sp.csc_matrix:
        return sp.csc_matrix(
            (z[f"{name}_data"].astype(np.float32), z[f"{name}_indices"], z[f"{name}_indptr"]),
            shape=tuple(int(v) for v in z[f"{name}_shape"]),
        )

    return {
        "routes": [str(r) for r in z["routes"]],
        "router": matrix("router"),
        "router_intercept": z["router_intercept"].astype(np.float64),
        "experts": {k: (v[0], float(v[1]), list(v[2]) if len(v) > 2 else [])
                    for k, v in json.loads(str(z["experts"])).items()},
        "expert_coef": matrix("expert"),
        "expert_intercept": z["expert_intercept"].astype(np.float64),
    }


def explainable_words(normalized: str) -> list[str]:
    return list(dict.fromkeys(w for w in normalized.split() if any(c.isalnum() for c in w)))[:64]


_LOCK = threading.Lock()
_CACHE: dict[str, LinearModel | None] = {}


def default_model_path() -> Path:
    return Path(str(resources.files("tutela.detect") / "models" / ARTEFACT))


def load_default(path: Path | None = None) -> LinearModel | None:
    """The model at `path` (default: the committed one), loaded once per process; None when absent."""
    key = str(path) if path is not None else "default"
    if key not in _CACHE:
        with _LOCK:
            if key not in _CACHE:
                p = path if path is not None else default_model_path()
                if path is not None and not p.is_file():
                    raise FileNotFoundError(f"text model not found: {p} (setting text_model)")
                _CACHE[key] = LinearModel.load(p) if p.is_file() else None
    return _CACHE[key]


def reset_cache() -> None:
    """Forget loaded models (after `tutela train text` writes new ones in this process)."""
    with _LOCK:
        _CACHE.clear()
