"""The harm taxonomy: the one list of harms every part of Tutela speaks about.

The ids follow the 2026 Ankara joint statement on child protection in the
digital environment. They are a public contract (API, CLI output, exports,
exchange feeds): never rename one; add new ids instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Category(StrEnum):
    """Stable harm ids."""

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


class Severity(IntEnum):
    """Default severity; ordered so that policies and triage can compare."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@dataclass(frozen=True, slots=True)
class HarmDefinition:
    """What a category means, with examples reviewers and children can read."""

    id: Category
    name: str
    definition: str
    examples: tuple[str, ...]
    severity: Severity


TAXONOMY: dict[Category, HarmDefinition] = {
    d.id: d
    for d in (
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
        ),
        HarmDefinition(
            Category.SEXUAL_CONTENT,
            "Sexual content",
            "Sexually explicit or pornographic text or imagery that children should not be shown.",
            ("explicit description of a sexual act", "link to a porn site"),
            Severity.HIGH,
        ),
        HarmDefinition(
            Category.VIOLENT_CONTENT,
            "Violent content",
            "Graphic violence, threats of physical harm, weapons and terrorism content.",
            ("I will stab you after school", "video of a beheading"),
            Severity.HIGH,
        ),
        HarmDefinition(
            Category.CYBERBULLYING,
            "Cyberbullying",
            "Insults, humiliation, harassment or exclusion aimed at a person, often repeated.",
            ("nobody likes you, you ugly loser", "everyone in class thinks you're disgusting"),
            Severity.MEDIUM,
        ),
        HarmDefinition(
            Category.SELF_HARM,
            "Suicide and self-harm",
            "Promotion or instruction of suicide or self-harm, and messages showing a child at risk.",
            ("I want to end it all tonight", "cutting is the only way to feel better, try it"),
            Severity.CRITICAL,
        ),
        HarmDefinition(
            Category.HATE_RADICALISATION,
            "Hate speech and radicalisation",
            "Attacks on people for who they are (ethnicity, religion, gender, disability, ...) "
            "and content that pushes towards violent extremism.",
            ("those people are vermin and should be wiped out",),
            Severity.HIGH,
        ),
        HarmDefinition(
            Category.DISINFORMATION,
            "Disinformation",
            "False or misleading claims that can hurt children, such as dangerous health "
            "hoaxes or viral challenges presented as safe.",
            ("drinking bleach cures the virus", "the blackout challenge is totally safe, try it"),
            Severity.MEDIUM,
        ),
        HarmDefinition(
            Category.TRAFFICKING,
            "Trafficking",
            "Recruiting, moving or selling children for exploitation: fake job or modelling offers, "
            "travel arranged by strangers, selling people.",
            ("modelling job abroad for girls 15-17, we pay for the ticket, no parents needed",),
            Severity.CRITICAL,
        ),
        HarmDefinition(
            Category.RECRUITMENT,
            "Recruitment",
            "Drawing children into criminal gangs, drug dealing, armed or extremist groups.",
            ("easy money: carry this package for us, ask no questions", "join the brothers and fight"),
            Severity.HIGH,
        ),
        HarmDefinition(
            Category.PRIVACY,
            "Privacy violation",
            "Exposure of a child's personal data: phone number, address, school, location, "
            "accounts, identity documents.",
            ("her number is +90 532 123 45 67 and she's at Ataturk Middle School",),
            Severity.MEDIUM,
        ),
        HarmDefinition(
            Category.FRAUD,
            "Fraud and identity theft",
            "Scams, phishing links, fake prizes, requests for passwords or codes, identity theft.",
            ("you won a free iPhone! click here and enter your password",),
            Severity.MEDIUM,
        ),
        HarmDefinition(
            Category.PROFANITY,
            "Profanity",
            "Swearing and vulgar language; low severity, filtered by services for young children.",
            ("what the f*** is this",),
            Severity.LOW,
        ),
    )
}

CATEGORIES: tuple[Category, ...] = tuple(TAXONOMY)


def definition(category: str | Category) -> HarmDefinition:
    """Look a category up by id; raises ValueError naming the valid ids."""
    try:
        return TAXONOMY[Category(category)]
    except ValueError:
        valid = ", ".join(c.value for c in CATEGORIES)
        raise ValueError(f"unknown harm category {category!r}; valid: {valid}") from None
