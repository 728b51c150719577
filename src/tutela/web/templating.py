"""The shared Jinja2 environment for every page."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

from tutela.web.display import FILTERS

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update(FILTERS)
