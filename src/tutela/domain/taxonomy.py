"""The harm taxonomy: the one list of harms every part of Tutela speaks about.

The ids follow the 2026 Ankara joint statement on child protection in the
digital environment. They are a public contract (API, CLI output, exports,
exchange feeds): never rename one; add new ids instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum


class Category(StrEnum):
    """Stable harm ids.

    An operator (or a test) may add a category at run time with `register`: it becomes a
    `Category` too, so `Category("new_id")` works everywhere the built-in ids do.
    """

    SEXUAL_EXPLOITATION = "sexual_exploitation"
    SEXUAL_CONTENT = "sexual_content"
    VIOLENT_CONTENT = "violent_content"
    CYBERBULLYING = "cyberbullying"
    SELF_HARM = "self_harm"
    HATE_RADICALISATION = "hate_radicalisation"
    DISINFORMATION = "disinformation"
    TRAFFICKING = "trafficking"
    RECRUITMENT = "recruitment"
    PRIVACY = "privacy"
    FRAUD = "fraud"
    PROFANITY = "profanity"

    @classmethod
    def _missing_(cls, value: object) -> Category | None:
        return _REGISTERED.get(value) if isinstance(value, str) else None


class Severity(IntEnum):
    """Default severity; ordered so that policies and triage can compare."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


#: Statement categories of the EU DSA Transparency Database (Art. 17 statements of reasons, API schema
#: version 2, which added cyber violence). `dsa_category` of every harm must be one of these.
DSA_STATEMENT_CATEGORIES = frozenset({
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR",
    "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
})
#: The DSA category of a case or decision with no harm category ("other"): not a harm we name, so the
#: statement says only that the platform's terms of service were applied. An explicit rule, not a fallback:
#: an id that is not in the taxonomy raises.
DSA_UNCATEGORISED = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"

#: The category key of a report whose reporter chose no harm ("something else"); triage then files the case
#: under what the analysis flagged, or under this key.
OTHER = "other"


@dataclass(frozen=True, slots=True)
class ReportChoice:
    """A choice on the public report form, in a child's words; its label is `cat_<key>` in each i18n
    catalogue. Keys are a public contract of the form (links from nudges use them): add, never rename."""

    key: str
    #: Choosing it means a child may be in danger now: the report is `critical` and help is shown at once.
    imminent: bool = False
    #: Position among the form's tiles (1 first); None: accepted (API, links) but not shown as a tile.
    tile: int | None = None


@dataclass(frozen=True, slots=True)
class HarmDefinition:
    """Everything Tutela knows about one harm category, in one row: what it means (for reviewers and
    children), how severe it is, how the EU DSA names it, how triage, the report form and nudges treat it.
    Every other module derives its per-category facts from here, so they cannot drift apart."""

    id: Category
    name: str
    definition: str
    examples: tuple[str, ...]
    severity: Severity
    #: DSA Transparency Database statement category (one of `DSA_STATEMENT_CATEGORIES`).
    dsa_category: str
    #: Its `category_specification` keywords (may be empty).
    dsa_keywords: tuple[str, ...] = ()
    #: Illegal content (DSA decision ground "illegal content"); the rest is incompatible with terms of service.
    illegal: bool = False
    #: Flagged by analysis of a report, it means a child may be in danger now: triage makes the case critical.
    imminent: bool = False
    #: The nudge risk (see `tutela.help.nudges.RISKS`) a flag of this category is in itself, if any.
    nudge_risk: str | None = None
    #: How a child names it on the public report form.
    report_choices: tuple[ReportChoice, ...] = ()
    #: A head of the trained text model (`tutela train text`, `detect/training`): it learns this category.
    text_head: bool = False
    #: The `harm` labels of the public training sets (`shared/data/text`) that mark this category; a label
    #: may mark several (hate speech is also abusive language). Only for a `text_head`.
    training_labels: tuple[str, ...] = ()


_BUILT_IN: tuple[HarmDefinition, ...] = (
    HarmDefinition(
        Category.SEXUAL_EXPLOITATION,
        "Sexual exploitation and grooming",
        "An adult or older person building a sexual relationship with a child: grooming, "
        "soliciting sexual images from a child, sextortion (threatening to share images), "
        "arranging to meet a child for sex, and child sexual abuse material.",
        (
            "you're so mature for your age, don't tell your parents about us",
            "send me a pic of you in your underwear",
            "pay me or I'll send your photos to everyone at your school",
        ),
        Severity.CRITICAL,
        dsa_category="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        dsa_keywords=("KEYWORD_GROOMING_SEXUAL_ENCOURAGEMENT_MINORS",),
        illegal=True,
        imminent=True,
        report_choices=(
            ReportChoice("asking_for_photos", tile=1),
            ReportChoice("threatening_me", imminent=True, tile=2),
            ReportChoice("someone_wants_to_meet", imminent=True, tile=3),
        ),
        text_head=True,
        training_labels=("grooming",),
    ),
    HarmDefinition(
        Category.SEXUAL_CONTENT,
        "Sexual content",
        "Sexually explicit or pornographic text or imagery that children should not be shown.",
        ("explicit description of a sexual act", "link to a porn site"),
        Severity.HIGH,
        dsa_category="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        dsa_keywords=("KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",),
        report_choices=(ReportChoice("sexual_content"),),
        text_head=True,
        training_labels=("sexual",),
    ),
    HarmDefinition(
        Category.VIOLENT_CONTENT,
        "Violent content",
        "Graphic violence, threats of physical harm, weapons and terrorism content.",
        ("I will stab you after school", "video of a beheading"),
        Severity.HIGH,
        dsa_category="STATEMENT_CATEGORY_VIOLENCE",
        report_choices=(ReportChoice("upsetting_content", tile=7),),
        text_head=True,
        training_labels=("violence", "threat"),
    ),
    HarmDefinition(
        Category.CYBERBULLYING,
        "Cyberbullying",
        "Insults, humiliation, harassment or exclusion aimed at a person, often repeated.",
        ("nobody likes you, you ugly loser", "everyone in class thinks you're disgusting"),
        Severity.MEDIUM,
        dsa_category="STATEMENT_CATEGORY_CYBER_VIOLENCE",
        nudge_risk="bullying",
        report_choices=(ReportChoice("bullying", tile=5),),
        text_head=True,
        training_labels=("harassment", "hate"),
    ),
    HarmDefinition(
        Category.SELF_HARM,
        "Suicide and self-harm",
        "Promotion or instruction of suicide or self-harm, and messages showing a child at risk.",
        ("I want to end it all tonight", "cutting is the only way to feel better, try it"),
        Severity.CRITICAL,
        dsa_category="STATEMENT_CATEGORY_SELF_HARM",
        imminent=True,
        nudge_risk="self_harm",
        report_choices=(ReportChoice("hurting_myself", imminent=True, tile=4),),
        text_head=True,
        training_labels=("self_harm",),
    ),
    HarmDefinition(
        Category.HATE_RADICALISATION,
        "Hate speech and radicalisation",
        "Attacks on people for who they are (ethnicity, religion, gender, disability, ...) "
        "and content that pushes towards violent extremism.",
        ("those people are vermin and should be wiped out",),
        Severity.HIGH,
        dsa_category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        report_choices=(ReportChoice("hate"),),
        text_head=True,
        training_labels=("hate",),
    ),
    HarmDefinition(
        Category.DISINFORMATION,
        "Disinformation",
        "False or misleading claims that can hurt children, such as dangerous health "
        "hoaxes or viral challenges presented as safe.",
        ("drinking bleach cures the virus", "the blackout challenge is totally safe, try it"),
        Severity.MEDIUM,
        dsa_category="STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        text_head=True,
        training_labels=("disinformation",),
    ),
    # Trafficking and recruitment of children: protection of minors, not public security. The harm Tutela
    # names is done to a child (the DSA category that oversight reports count child protection under);
    # public security would hide these decisions among terrorism and environmental risks.
    HarmDefinition(
        Category.TRAFFICKING,
        "Trafficking",
        "Recruiting, moving or selling children for exploitation: fake job or modelling offers, "
        "travel arranged by strangers, selling people.",
        ("modelling job abroad for girls 15-17, we pay for the ticket, no parents needed",),
        Severity.CRITICAL,
        dsa_category="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        illegal=True,
        imminent=True,
        report_choices=(ReportChoice("job_or_travel_offer"),),
    ),
    HarmDefinition(
        Category.RECRUITMENT,
        "Recruitment",
        "Drawing children into criminal gangs, drug dealing, armed or extremist groups.",
        ("easy money: carry this package for us, ask no questions", "join the brothers and fight"),
        Severity.HIGH,
        dsa_category="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    ),
    HarmDefinition(
        Category.PRIVACY,
        "Privacy violation",
        "Exposure of a child's personal data: phone number, address, school, location, "
        "accounts, identity documents.",
        ("her number is +90 532 123 45 67 and she's at Ataturk Middle School",),
        Severity.MEDIUM,
        dsa_category="STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        nudge_risk="personal_info",
        report_choices=(ReportChoice("personal_info_shared", tile=6),),
    ),
    HarmDefinition(
        Category.FRAUD,
        "Fraud and identity theft",
        "Scams, phishing links, fake prizes, requests for passwords or codes, identity theft.",
        ("you won a free iPhone! click here and enter your password",),
        Severity.MEDIUM,
        dsa_category="STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        report_choices=(ReportChoice("scam", tile=8),),
        text_head=True,
        training_labels=("scam",),
    ),
    HarmDefinition(
        Category.PROFANITY,
        "Profanity",
        "Swearing and vulgar language; low severity, filtered by services for young children.",
        ("what the f*** is this",),
        Severity.LOW,
        dsa_category="STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
        text_head=True,
    ),
)

#: The taxonomy: category -> its row. Built-in rows, plus any added with `register`.
TAXONOMY: dict[Category, HarmDefinition] = {d.id: d for d in _BUILT_IN}
#: The built-in categories, in order: the columns of the detection engine's score matrix.
CATEGORIES: tuple[Category, ...] = tuple(TAXONOMY)
#: Categories added at run time, by id (see `Category._missing_`).
_REGISTERED: dict[str, Category] = {}


def definition(category: str | Category) -> HarmDefinition:
    """Look a category up by id; raises ValueError naming the valid ids."""
    try:
        return TAXONOMY[Category(category)]
    except (ValueError, KeyError):
        valid = ", ".join(c.value for c in TAXONOMY)
        raise ValueError(f"unknown harm category {category!r}; valid: {valid}") from None


def is_category(name: object) -> bool:
    """Whether `name` is a category id (built in or registered)."""
    return isinstance(name, str) and (name in TAXONOMY or name in _REGISTERED)


def category_ids() -> tuple[str, ...]:
    """Every category id, built-in first, then the registered ones."""
    return tuple(c.value for c in TAXONOMY)


def dsa_category(category: str | Category | None) -> str:
    """The DSA statement category of a harm category, or `DSA_UNCATEGORISED` for none (None or "other").

    The one mapping from the taxonomy to the DSA: statements of reasons (decision log, case exports,
    oversight reports) all call this. An unknown id raises ValueError rather than guessing."""
    if category is None or category == OTHER:
        return DSA_UNCATEGORISED
    return definition(category).dsa_category


def dsa_keywords(category: str | Category | None) -> tuple[str, ...]:
    """The DSA `category_specification` keywords of a harm category (none for no category)."""
    if category is None or category == OTHER:
        return ()
    return definition(category).dsa_keywords


def is_illegal(category: str | Category | None) -> bool:
    """Whether a category is illegal content (the DSA decision ground); no category is not."""
    if category is None or category == OTHER:
        return False
    return definition(category).illegal


def report_choices() -> dict[str, Category | None]:
    """Every report-form choice key -> its category ("other" -> None), in taxonomy order."""
    out: dict[str, Category | None] = {}
    for d in TAXONOMY.values():
        for choice in d.report_choices:
            out[choice.key] = d.id
    out[OTHER] = None
    return out


def imminent_choices() -> frozenset[str]:
    """Report-form choice keys that mean a child may be in danger now."""
    return frozenset(c.key for d in TAXONOMY.values() for c in d.report_choices if c.imminent)


def form_tiles() -> tuple[str, ...]:
    """The choice keys shown as tiles on the public form, in order; "something else" always last."""
    tiled = sorted(
        ((c.tile, c.key) for d in TAXONOMY.values() for c in d.report_choices if c.tile is not None),
    )
    return (*(key for _tile, key in tiled), OTHER)


def text_heads() -> tuple[Category, ...]:
    """The categories the trained text model learns, in taxonomy order (the model file names its own)."""
    return tuple(d.id for d in TAXONOMY.values() if d.text_head)


def training_labels() -> dict[str, tuple[Category, ...]]:
    """Each `harm` label of the public training sets -> the categories it marks (see `training_labels`)."""
    out: dict[str, tuple[Category, ...]] = {}
    for d in TAXONOMY.values():
        for label in d.training_labels:
            out[label] = (*out.get(label, ()), d.id)
    return out


def register(harm: HarmDefinition) -> HarmDefinition:
    """Add a category at run time (an operator's own harm, or a test's): a `HarmDefinition` whose `id`
    is a new string; returns the row as stored (its `id` now a `Category`).

    Raises ValueError for an id that exists, a DSA category that is not one, or a report-form key
    already taken, so a bad row fails where it is added, not in a statement of reasons months later."""
    ident = str(harm.id)
    if not ident or not ident.replace("_", "").isalnum() or ident != ident.lower():
        raise ValueError(f"a category id is lower-case letters, digits and '_': {ident!r}")
    if ident in TAXONOMY or ident in _REGISTERED or ident == OTHER:
        raise ValueError(f"category {ident!r} exists")
    if harm.dsa_category not in DSA_STATEMENT_CATEGORIES:
        raise ValueError(f"{harm.dsa_category!r} is not a DSA statement category")
    taken = set(report_choices())
    clash = [c.key for c in harm.report_choices if c.key in taken]
    if clash:
        raise ValueError(f"report-form keys already taken: {', '.join(clash)}")
    member = _pseudo_member(ident)
    stored = replace(harm, id=member)
    _REGISTERED[ident] = member
    TAXONOMY[member] = stored
    return stored


def unregister(category: str | Category) -> None:
    """Remove a category added with `register` (tests clean up with this); built-in ids cannot go."""
    ident = str(category)
    if ident not in _REGISTERED:
        raise ValueError(f"{ident!r} was not added with register()")
    TAXONOMY.pop(_REGISTERED.pop(ident))


def _pseudo_member(ident: str) -> Category:
    """A `Category` for a registered id: a str subclass instance like the built-in members."""
    member = str.__new__(Category, ident)
    member._name_ = ident.upper()
    member._value_ = ident
    return member
