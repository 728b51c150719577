"""Components: one contract (`analyze`, `train`) for every learned or rule part (see `base.py`)."""

from tutela.detect.components.base import (
    Component,
    ComponentResult,
    Evidence,
    TrainableComponent,
    component,
    components,
    register_component,
    unregister_component,
)

__all__ = [
    "Component", "ComponentResult", "Evidence", "TrainableComponent", "component", "components",
    "register_component", "unregister_component",
]
