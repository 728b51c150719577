"""HTTP API: thin FastAPI routes over the engine."""
