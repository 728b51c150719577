"""A warning not to send or share (or a scam named as one) is judged by the nearest lines, not the head."""

from __future__ import annotations

import numpy as np
import pytest

from tutela.detect.normalize import normalize_text
from tutela.detect.semantic.index import SemanticResult
from tutela.detect.semantic.scorer import TARGETS, Calibrated
from tutela.detect.semantic.warning import unseen, warns, without_head


@pytest.mark.parametrize(("text", "lang"), [
    ("annem dedi ki internetten tanımadığın kimseye fotoğraf gönderme", "tr"),
    ("kart bilgisi isteyen olursa sakın vermeyin", "tr"),
    ("şifreni hiç kimseyle paylaşmamalısın", "tr"),
    ("tanımadığın adama şəkil göndərmə", "az"),
    ("kodu heç kimə göndərməyin", "az"),
    ("don't send photos to strangers", "en"),
    ("heads up: scammers are texting fake parcel links, never enter your card number", "en"),
    ("roblox staff will never ask for your password", "en"),
    ("никогда никому не говорите код из смс", "ru"),
    ("осторожно, фейковый розыгрыш айфона в инсте", "ru"),
    ("не отправляй фото незнакомцам", "ru"),
])
def test_a_negative_imperative_to_send_or_share_is_a_warning(text: str, lang: str) -> None:
    assert warns(normalize_text(text), lang)


@pytest.mark.parametrize(("text", "lang"), [
    ("foto at bana hemen", "tr"),
    ("yeni video göndermezsen herkese yayarım", "tr"),  # a threat: "if you don't send"
    ("şəkil atmasan hamıya göstərəcəm", "az"),
    ("annene söyleme, bu bizim sırrımız", "tr"),  # secrecy is a groomer's, not a warning
    ("dün fotoğrafları gönderdim", "tr"),
    ("if you don't send more pics i'll post the video", "en"),  # a threat: "if you don't send"
    ("don't tell your mum about us, it's our secret", "en"),
    ("this is not a scam, just send the code", "en"),  # scammers say so
    ("если не скинешь фото, отправлю всем", "ru"),
    ("маме не показывай и не говори", "ru"),
    ("это не развод, кидай код", "ru"),
])
def test_requests_threats_and_secrecy_are_not(text: str, lang: str) -> None:
    assert not warns(normalize_text(text), lang)


def _calibrated() -> Calibrated:
    n = len(TARGETS)
    # kNN probability = sigmoid(100 * margin): 0.5 at a zero margin
    return Calibrated(np.tile([100.0, 0.0], (n, 1)), np.zeros((n, 4), dtype=np.float32), np.zeros(n),
                      np.tile([1.0, 0.0], (n, 1)), np.full(n, 0.5))


def test_only_the_warned_categories_lose_the_heads_vote() -> None:
    t_se, t_cb = TARGETS.index("sexual_exploitation"), TARGETS.index("cyberbullying")
    scores = np.zeros(len(TARGETS))
    scores[[t_se, t_cb]] = 0.6  # the head's vote
    margins = np.full(len(TARGETS), -0.01)  # nearer the benign lines: kNN says 0.27
    result = without_head(SemanticResult(scores, ["sexual_exploitation", "cyberbullying"], {}, margins), _calibrated())
    assert result.flagged == ["cyberbullying"]
    assert result.scores[t_se] < 0.5 and result.scores[t_cb] == 0.6


def test_a_warned_category_near_a_written_harmful_line_still_stands() -> None:
    t_se = TARGETS.index("sexual_exploitation")
    scores = np.zeros(len(TARGETS))
    scores[t_se] = 0.9
    margins = np.full(len(TARGETS), 0.02)  # nearer the harmful lines: kNN says 0.88
    result = without_head(SemanticResult(scores, ["sexual_exploitation"], {}, margins), _calibrated())
    assert result.flagged == ["sexual_exploitation"]


@pytest.mark.parametrize(("text", "expected"), [
    ("عکستو برای هیچکس نفرست، حتی اگه قول بده پاکش میکنه", True),
    ("من هیچوقت عکس خصوصیمو برای کسی نمیفرستم", True),
    ("رمز کارتتو به کسی ندید، بانک رمز نمیخواد", True),
    ("اگه عکس نفرستی همه رو پخش میکنم", False),  # a threat: "if you don't send"
    ("یه عکس بفرست", False),
])
def test_persian_negative_send_is_a_warning(text: str, expected: bool) -> None:
    assert warns(normalize_text(text), "fa") is expected


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("ödevimi kopyalarsan seni öldürürüm şaka 😂", "tr", ("violent_content", "cyberbullying")),
    ("ev tapşırığını etməsən səni öldürərəm zarafat edirəm", "az", ("violent_content", "cyberbullying")),
    ("şaka değil, yarın okula bıçak getiriyorum", "tr", ()),  # said not to be a joke
    ("ciddiyim, seni bulacağım, şaka sanma", "tr", ()),
    ("bir il əvvəl yemək yemirdim, indi müalicədən sonra yaxşıyam", "az", ("self_harm",)),
    ("kendime zarar vermeyi bırakalı bir yıl oldu", "tr", ("self_harm",)),
    ("sinifdə heç kim məni başa düşmür deyə fikirləşirdim amma yeni dostlar tapdım", "az", ("self_harm",)),
    ("kimse beni anlamıyor, yalnızım", "tr", ()),  # the same feeling now: the head keeps its vote
    ("annem dedi ki biri fotoğraf isterse hemen bize söyle", "tr", ("sexual_exploitation", "fraud", "privacy")),
    ("kimsə şəkil istəsə dərhal valideynlərinə de", "az", ("sexual_exploitation", "fraud", "privacy", "recruitment")),  # telling a grown-up: awareness
    ("dərsdə dedilər ki, biri sənə pis toxunsa yox de və böyüyə danış", "az", ("sexual_exploitation", "fraud", "privacy")),
    ("biri sana dokunursa hayır de ve bir yetişkine anlat", "tr", ("sexual_exploitation", "fraud", "privacy", "recruitment")),  # telling a grown-up: awareness
    ("sana dokunsam kimseye söyleme", "tr", ()),  # a touch with secrecy, no "say no": the head keeps its vote
    ("bana fotoğraf at, kimseye söyleme", "tr", ()),  # a request with secrecy: the head keeps its vote
    ("I'll kill you lol jk", "en", ()),  # English has no joke marker: the head keeps its vote
    ("i used to cut when things got bad, now i'm doing so much better", "en", ("self_harm",)),
    ("six months clean today, therapy helped", "en", ("self_harm",)),
    ("some days are hard but my counsellor is helping me deal with it", "en", ("self_harm",)),
    ("i was clean for 8 months but i cut again yesterday", "en", ()),  # a relapse
    ("i used to be happy but now i want to die", "en", ()),
    ("i'm better than you at everything, just kys", "en", ()),
    ("раньше резала себя, теперь мне намного лучше", "ru", ("self_harm",)),
    ("держусь из последних сил, хочу исчезнуть", "ru", ()),
    ("в прошлом году не ела неделями, сейчас в ремиссии", "ru", ("self_harm",)),
])
def test_markers_the_head_cannot_see(text: str, lang: str, expected: tuple[str, ...]) -> None:
    assert unseen(normalize_text(text), lang) == expected


def test_a_joked_threat_loses_only_the_heads_vote_for_its_categories() -> None:
    t_vc, t_sh = TARGETS.index("violent_content"), TARGETS.index("self_harm")
    scores = np.zeros(len(TARGETS))
    scores[[t_vc, t_sh]] = 0.7
    margins = np.full(len(TARGETS), -0.002)
    result = without_head(SemanticResult(scores, ["violent_content", "self_harm"], {}, margins), _calibrated(),
                          ("violent_content", "cyberbullying"))
    assert result.flagged == ["self_harm"]
