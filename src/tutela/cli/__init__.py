"""The `tutela` command. Each module here exposes `register(app)` and adds its commands."""
