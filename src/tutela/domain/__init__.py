"""Domain types in one place: the taxonomy and every record the engine passes around.

Each area keeps its types in one module here (`analysis`, `media`, `cases`,
`policy`, `conversation`), so every public contract is found in one folder.
The most used ones are re-exported below.
"""

from tutela.domain.analysis import Explanation, TextAnalysis
from tutela.domain.cases import (
    CaseDetail,
    CaseStatus,
    CaseSummary,
    Priority,
    ReportIn,
    ReportReceipt,
    ReportStatus,
)
from tutela.domain.conversation import AccountRisk, ConversationRisk, MessageIn, Stage
from tutela.domain.media import BankInfo, Match, MediaHashes
from tutela.domain.policy import Action, Decision, ModerationContext, ModerationItem
from tutela.domain.taxonomy import CATEGORIES, TAXONOMY, Category, HarmDefinition, Severity

__all__ = [
    "CATEGORIES",
    "TAXONOMY",
    "AccountRisk",
    "Action",
    "BankInfo",
    "CaseDetail",
    "CaseStatus",
    "CaseSummary",
    "Category",
    "ConversationRisk",
    "Decision",
    "Explanation",
    "HarmDefinition",
    "Match",
    "MediaHashes",
    "MessageIn",
    "ModerationContext",
    "ModerationItem",
    "Priority",
    "ReportIn",
    "ReportReceipt",
    "ReportStatus",
    "Severity",
    "Stage",
    "TextAnalysis",
]
