"""One settings object, read from a TOML file and `TUTELA_*` environment variables.

Settings are built once at the edge (CLI, server start-up, tests) and passed
down; nothing deep inside reads the environment. Precedence, highest first:
explicit arguments, environment variables, the file named by `TUTELA_CONFIG`
(or `<data_dir>/tutela.toml`), defaults.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(os.environ.get("TUTELA_DATA_DIR") or Path.cwd() / ".tutela")


class Settings(BaseSettings):
    """Everything an operator can configure. See `docs/configuration` in the README."""

    model_config = SettingsConfigDict(env_prefix="TUTELA_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="embedded database, keys, vault")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; PostgreSQL in production. Default: SQLite in data_dir"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Text analysis
    max_text_chars: int = Field(default=20_000, description="longer input is cut and marked truncated")
    thresholds: dict[str, float] = Field(default_factory=dict, description="per-category flag thresholds")
    semantic_stage: Literal["auto", "always", "off"] = Field(
        default="auto",
        description="semantic stage: 'auto' (the cascade decides), 'always' (every text), 'off' (fast stage only)",
    )
    semantic_thread: bool | None = Field(
        default=None,
        description="`serve`: finish semantic-stage texts on a thread of their own (true) or on the event loop "
        "(false); default: a thread only when the process has more cores than `workers` (policy/batching.py)",
    )
    text_model: Path | None = Field(
        default=None,
        description="a first-stage text model built with `tutela train text --out` (e.g. the opt-in model that "
        "uses non-commercial data); default: the model shipped in the package",
    )
    conversation_models: Path | None = Field(
        default=None,
        description="a folder of conversation models built with `tutela train conversations --out` (stages.npz, "
        "segments.npz, risk.json); default: the models shipped in the package",
    )
    # Security
    vault_key: str | None = Field(default=None, description="base64 32-byte key for the evidence vault")
    identifier_salt: str | None = Field(default=None, description="key for hashing platform identifiers")
    secret_key: str | None = Field(default=None, description="signs sessions and CSRF tokens")
    audit_key: str | None = Field(
        default=None, description="base64 32-byte key that chains the audit trail and signs its checkpoints"
    )
    audit_checkpoint_every: int = Field(
        default=500, ge=1, description="write a signed audit checkpoint each time this many entries are added"
    )
    redis_url: str | None = Field(
        default=None, description="Redis for rate limits shared by many servers; default: the database"
    )
    # Scale-out (tutela.jobs; docs/deploy.md)
    external_workers: bool = Field(
        default=False, description="`tutela worker` processes carry out the outbox; without it `serve` does, "
        "in a thread"
    )
    stream_partitions: int = Field(default=8, ge=1, le=1024, description="streams a conversation id is hashed to")
    stream_maxlen: int = Field(default=100_000, ge=10, description="messages a stream may hold before ingest "
                               "answers 429 (backpressure)")
    stream_prefix: str = Field(default="tutela", max_length=60, description="prefix of every stream key in Redis")
    stream_max_deliveries: int = Field(default=5, ge=1, description="deliveries before a message is dead-lettered")
    result_webhook_url: str | None = Field(default=None, description="where stream results are POSTed, signed")
    result_webhook_secret: str | None = Field(default=None, description="HMAC key of the result webhook")
    rate_limits: dict[str, int] = Field(
        default_factory=dict, description="limits by rule name, e.g. {'report.submit': 60} (ratelimit.RULES)"
    )
    # Help for children
    helplines_file: Path | None = Field(
        default=None, description="operator's helplines YAML; default <data_dir>/helplines.yaml if present"
    )
    quick_exit_url: str = Field(
        default="https://www.google.com/",
        description="where 'leave this page quickly' goes: an ordinary site, so a screen someone sees looks normal",
    )
    # Uploads
    max_upload_bytes: int = 25 * 1024 * 1024
    oversight_min_count: int = Field(
        default=10, ge=1, description="oversight measures hide counts below this, and figures that would reveal them"
    )
    # Exchange between organisations (tutela.exchange; run by `tutela scheduler`)
    exchange_pull_every_s: int = Field(
        default=900, ge=0, description="seconds between pulls from every partner with a URL (0: no periodic pull)"
    )
    exchange_tombstone_days: int = Field(
        default=30, ge=1, description="days a deletion stays in a feed; a partner that pulls less often resyncs"
    )
    # Media matching
    matcher_shards: list[str] = Field(
        default_factory=list,
        description="URLs of `tutela matcher --shard i/n` servers; when set, PDQ is searched there, not in-process",
    )

    @field_validator("quick_exit_url")
    @classmethod
    def _https_exit(cls, v: str) -> str:
        if not v.startswith(("https://", "http://")) or any(c in v for c in "\"'<> "):
            raise ValueError("quick_exit_url must be an http(s) address, e.g. https://www.google.com/")
        return v

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return Path(v).expanduser().resolve()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFileSource(settings_cls))

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'tutela.sqlite3'}"

    def ensure_data_dir(self) -> Path:
        """The data dir, created (or tightened) to mode 0700: it holds the database, the keys and
        the vault, none of which any other local user may read."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            if self.data_dir.stat().st_mode & 0o077:
                self.data_dir.chmod(0o700)
        except PermissionError:  # not ours (a shared mount): the operator's call
            pass
        return self.data_dir


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads `TUTELA_CONFIG` or `<data_dir>/tutela.toml` when present."""

    def _load(self) -> dict[str, Any]:
        path = os.environ.get("TUTELA_CONFIG")
        candidate = Path(path) if path else _default_data_dir() / "tutela.toml"
        if not candidate.is_file():
            if path:
                raise FileNotFoundError(f"TUTELA_CONFIG points at {candidate}, which does not exist")
            return {}
        with candidate.open("rb") as fh:
            data = tomllib.load(fh)
        return data.get("tutela", data)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return self._load().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self._load()


def load_settings(**overrides: Any) -> Settings:
    """Build settings from file + environment, with explicit overrides on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
