"""Server-rendered web pages (Jinja2): no external assets, work without JavaScript."""
