"""Settings: one object, read from the environment (or given by a test)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import URL, make_url

DEFAULT_DATABASE_URL = "sqlite:///./yimai.db"


class ConfigError(ValueError):
    """A setting is malformed."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with defaults for the embedded single-file setup."""

    database_url: str = DEFAULT_DATABASE_URL
    lang: str = "zh"
    #: Lifetime of an API bearer token, in minutes.
    token_minutes: int = 480
    #: Signs API tokens; when unset, a random secret kept in the database is used.
    secret_key: str | None = None
    #: Requests with a larger body are refused with 413 before parsing.
    max_body_bytes: int = 1_000_000
    #: Failed logins are counted over this window (seconds).
    login_window_seconds: int = 900
    #: Read models poll the event log this often (seconds).
    poll_interval: float = 0.5
    #: The stations' time zone: "today" and "in the future" are judged in it.
    timezone: str = "Asia/Shanghai"
    #: Open claims a resident unit may hold on alliance needs at once.
    unit_claim_limit: int = 2
    #: Days of the publicity window (公示期) after a points period closes.
    publicity_days: int = 5
    #: A year's star level: stars earned, capped at this (twelve-star management).
    star_cap: int = 12
    #: Candidates per grid branch for the year's excellent members.
    excellent_per_branch: int = 3
    #: How names are shown where the domain publishes them: "middle" (张*明, 李*),
    #: "given" (张**) or "none" (in full).
    name_mask: str = "middle"
    #: The Ed25519 key that signs checkpoints (PEM); None: `yimai-signing.key` next to
    #: the SQLite file, or in the working directory for PostgreSQL. See `signing_key`.
    signing_key_path: str | None = None
    #: The sealer signs a checkpoint each time this many more events are sealed.
    checkpoint_every: int = 1000
    #: ... and, while following, at least this often (minutes) when anything new is
    #: sealed, so the public site's figures and a resident's proof wait at most this long.
    checkpoint_minutes: int = 10
    #: On the public site a count below this is shown as "fewer than N" (and a rate
    #: over fewer is not shown): a small count could point at one household.
    public_min_count: int = 3
    #: Argon2id cost of new password hashes: passes, and memory in KiB (the library's
    #: defaults, about a tenth of a second here). Existing hashes keep the cost they
    #: were made with. Tests lower it; production should not.
    password_time_cost: int = 3
    password_memory_kib: int = 65536

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get("YIMAI_DATABASE_URL"):
            values["database_url"] = env["YIMAI_DATABASE_URL"]
        if env.get("YIMAI_LANG"):
            values["lang"] = env["YIMAI_LANG"]
        if env.get("YIMAI_SECRET_KEY"):
            values["secret_key"] = env["YIMAI_SECRET_KEY"]
        if env.get("YIMAI_TIMEZONE"):
            values["timezone"] = env["YIMAI_TIMEZONE"]
        if env.get("YIMAI_NAME_MASK"):
            values["name_mask"] = env["YIMAI_NAME_MASK"]
        if env.get("YIMAI_SIGNING_KEY"):
            values["signing_key_path"] = env["YIMAI_SIGNING_KEY"]
        for key, name in (
            ("YIMAI_TOKEN_MINUTES", "token_minutes"),
            ("YIMAI_MAX_BODY_BYTES", "max_body_bytes"),
            ("YIMAI_UNIT_CLAIM_LIMIT", "unit_claim_limit"),
            ("YIMAI_PUBLICITY_DAYS", "publicity_days"),
            ("YIMAI_STAR_CAP", "star_cap"),
            ("YIMAI_EXCELLENT_PER_BRANCH", "excellent_per_branch"),
            ("YIMAI_CHECKPOINT_EVERY", "checkpoint_every"),
            ("YIMAI_CHECKPOINT_MINUTES", "checkpoint_minutes"),
            ("YIMAI_PUBLIC_MIN_COUNT", "public_min_count"),
            ("YIMAI_PASSWORD_TIME_COST", "password_time_cost"),
            ("YIMAI_PASSWORD_MEMORY_KIB", "password_memory_kib"),
        ):
            if env.get(key):
                try:
                    values[name] = int(env[key])
                except ValueError:
                    raise ConfigError(f"{key} must be a whole number") from None
        settings = cls(**values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})

    def __post_init__(self) -> None:
        if self.lang not in ("zh", "en"):
            raise ConfigError("YIMAI_LANG must be 'zh' or 'en'")
        if self.unit_claim_limit < 1:
            raise ConfigError("YIMAI_UNIT_CLAIM_LIMIT must be at least 1")
        if not 0 <= self.publicity_days <= 60:
            raise ConfigError("YIMAI_PUBLICITY_DAYS must be from 0 to 60")
        if self.star_cap < 1:
            raise ConfigError("YIMAI_STAR_CAP must be at least 1")
        if not 1 <= self.excellent_per_branch <= 50:
            raise ConfigError("YIMAI_EXCELLENT_PER_BRANCH must be from 1 to 50")
        if self.name_mask not in ("middle", "given", "none"):
            raise ConfigError("YIMAI_NAME_MASK must be 'middle', 'given' or 'none'")
        if self.checkpoint_every < 1:
            raise ConfigError("YIMAI_CHECKPOINT_EVERY must be at least 1")
        if not 0 <= self.checkpoint_minutes <= 10_080:
            raise ConfigError("YIMAI_CHECKPOINT_MINUTES must be from 0 (never) to 10080")
        if not 1 <= self.public_min_count <= 100:
            raise ConfigError("YIMAI_PUBLIC_MIN_COUNT must be from 1 to 100")
        if not 1 <= self.password_time_cost <= 100:
            raise ConfigError("YIMAI_PASSWORD_TIME_COST must be from 1 to 100")
        if not 64 <= self.password_memory_kib <= 4_194_304:
            raise ConfigError("YIMAI_PASSWORD_MEMORY_KIB must be from 64 to 4194304")
        self.url  # noqa: B018  (validate early)
        self.tzinfo  # noqa: B018

    @property
    def url(self) -> URL:
        try:
            url = make_url(self.database_url)
        except Exception:
            raise ConfigError(
                "YIMAI_DATABASE_URL must look like sqlite:///path.db or postgresql://user@host/db"
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigError("YIMAI_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        if url.get_backend_name() == "sqlite" and not url.database:
            raise ConfigError("an SQLite URL needs a file: sqlite:///path/to/yimai.db")
        return url

    @property
    def tzinfo(self) -> tzinfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            if self.timezone == "Asia/Shanghai":  # no tz database on this machine
                return timezone(timedelta(hours=8), "CST")
            raise ConfigError(f"YIMAI_TIMEZONE: unknown time zone {self.timezone!r}") from None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path:
        assert self.is_sqlite and self.url.database
        return Path(self.url.database).expanduser().resolve()

    @property
    def sqlalchemy_url(self) -> URL:
        if self.is_sqlite:
            return URL.create("sqlite+pysqlite", database=str(self.sqlite_path))
        return self.url.set(drivername="postgresql+psycopg")

    @property
    def signing_key(self) -> Path:
        """Where the checkpoint signing key is (or will be created)."""
        if self.signing_key_path:
            return Path(self.signing_key_path).expanduser().resolve()
        if self.is_sqlite:
            return self.sqlite_path.parent / "yimai-signing.key"
        return Path("yimai-signing.key").resolve()

    def redacted_url(self) -> str:
        return self.url.render_as_string(hide_password=True)
