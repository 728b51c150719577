"""Domain types in one place: the taxonomy and every record the engine passes around.

Each area keeps its types in one module here (`analysis`, `media`, `cases`,
`policy`, `conversation`), so contracts are found in one folder.
"""

from tutela.domain.analysis import Explanation, TextAnalysis
from tutela.domain.taxonomy import CATEGORIES, TAXONOMY, Category, HarmDefinition, Severity

__all__ = [
    "CATEGORIES",
    "TAXONOMY",
    "Category",
    "Explanation",
    "HarmDefinition",
    "Severity",
    "TextAnalysis",
]
