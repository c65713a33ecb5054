"""Typed settings, read from the environment (prefix ``HOTLINE_``) or a ``.env`` file.

Every field says what it is for.  Outside development the default secret is
refused at start-up: a forgotten secret in production is how sessions get forged.
In production a secret shorter than ``MIN_SECRET_BYTES`` is refused too (a short
secret can be guessed offline from one signed rating link).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-change-me"
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = Field(
        "development", description="development allows the built-in secret; production refuses it"
    )
    database_url: str = Field(
        "sqlite:///var/hotline.sqlite3",
        description="SQLAlchemy URL. SQLite file by default; postgresql+psycopg://user@host/db in production",
    )
    database_pgbouncer: bool = Field(
        False, description="The PostgreSQL URL goes through PgBouncer in transaction mode: psycopg's automatic "
        "server-side prepared statements are switched off (they are session state). See docs/scale.md")
    replica_database_url: str | None = Field(
        None, description="Optional read replica (a PostgreSQL hot standby) for dashboards, rankings, reports, "
        "exports and order search; unset: everything reads the primary. See docs/scale.md")
    replica_max_lag_seconds: float = Field(
        30.0, description="A replica further behind than this (or unreachable) is not read: those pages read the "
        "primary until it catches up")
    gc_freeze: bool = Field(
        True, description="Freeze the web process's long-lived heap after its 1st, 50th and 1,000th request, so "
        "the garbage collector's full passes stop landing in page views (hotline/web/heap.py)")
    secret_key: str = Field(DEV_SECRET, description="Signs sessions, CSRF tokens and rating links")
    city_file: str | None = Field(None, description="Path of the city YAML; the demo city when unset")
    data_dir: Path = Field(Path("var"), description="Where attachments and trained models are kept")
    max_upload_bytes: int = Field(10 * 1024 * 1024, description="Largest attachment accepted")
    allowed_upload_types: tuple[str, ...] = Field(
        ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "audio/mpeg", "audio/wav"),
        description="MIME types accepted for attachments (checked against the file's magic bytes too)",
    )
    session_hours: int = Field(12, description="A console session expires after this many hours")
    password_hash_fast: bool = Field(
        False, description="Cheaper argon2 parameters; only for the test suite, never in production"
    )
    auto_dispatch_threshold: float = Field(
        0.85, description="Orders whose routing confidence is at least this are dispatched automatically"
    )
    kpi_facts: bool = Field(
        True, description="Read the KPI figures of settled, clean days from the daily facts table "
        "(kpi_daily_facts, docs/kpi.md §7); false computes every figure from the raw rows")
    routing_starter: bool = Field(
        True, description="Allow the shipped starter model (入门模型) for cities without a category model trained on "
        "real messages; false turns it off for every city (each city file can also say routing: {starter: false})")
    routing_starter_dir: Path | None = Field(
        None, description="Folder of a starter model of your own (starter.npz + starter.json, written by "
        "`hotline routing build-starter --out`); unset: the one shipped in hotline/routing/starter/")
    outbox_retention_days: int = Field(
        90, ge=0, description="Delivered (sent) and cancelled notices older than this many days are pruned by the "
        "worker (`hotline outbox prune`, docs/worker.md §Retention); pending and failed ones never are; 0 keeps all")
    notification_retention_days: int = Field(
        365, ge=0, description="In-console notifications (站内通知) read and created more than this many days ago are "
        "deleted by the same worker task and command (docs/worker.md §Retention); unread ones never are; 0 keeps all")
    public_base_url: str = Field(
        "", description="Public address of the server, e.g. https://12345.example.gov.cn (makes SMS links absolute)")
    trusted_proxies: tuple[str, ...] = Field(
        (), description="Addresses (or CIDR networks) of reverse proxies whose X-Forwarded-For / "
        "X-Forwarded-Proto are believed; empty: the TCP peer is the client and forwarded headers are ignored")
    ratelimit_storage_url: str = Field(
        "memory://", description="Where login-throttling counters live (the `limits` library): memory:// "
        "(one process) or redis://host:6379 (shared by several server processes)")
    login_fail_per_account: str = Field(
        "5/5 minutes;20/hour", description="Failed logins allowed per account (tiers separated by ;) before it is "
        "locked until the oldest failure leaves the window")
    login_fail_per_address: str = Field(
        "20/5 minutes;100/hour", description="Failed logins allowed per client address (tiers separated by ;) before "
        "that address is refused the same way")
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError(
                "HOTLINE_SECRET_KEY must be set outside development / 生产环境必须设置 HOTLINE_SECRET_KEY"
            )
        if self.env == "production" and len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"HOTLINE_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes in production "
                f"/ 生产环境的 HOTLINE_SECRET_KEY 至少 {MIN_SECRET_BYTES} 字节"
                " (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.env == "production" and self.password_hash_fast:
            raise ValueError("HOTLINE_PASSWORD_HASH_FAST is for tests only")
        return self

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"


@lru_cache
def get_settings() -> Settings:
    return Settings()
