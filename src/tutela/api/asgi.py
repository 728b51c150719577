"""ASGI entry for uvicorn workers: `uvicorn tutela.api.asgi:app` (what `tutela serve` runs)."""

from tutela.api.app import create_app

app = create_app(warm=True)
