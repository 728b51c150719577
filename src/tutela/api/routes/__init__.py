"""One module per area; each exposes `router` (an APIRouter) and is included automatically."""
