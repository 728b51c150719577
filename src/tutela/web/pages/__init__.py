"""One module per page group; each exposes `router` and is included automatically."""
