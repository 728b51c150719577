"""ASGI entry for uvicorn workers: `uvicorn tutela.api.asgi:app`."""

from tutela.api.app import create_app

app = create_app()
