"""Settings, read from ``CREDSTACK_*`` environment variables and, where ``CREDSTACK_CONFIG``
(or ``credstack --config``) names one, a settings file of ``CREDSTACK_NAME=value`` lines;
a variable set in the environment wins over the file.

The defaults make the embedded mode work with nothing configured: SQLite and a generated
key-encryption key file, both in the user's data directory, created on first use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from credstack.domain.errors import InvalidInputError

__all__ = ["CONFIG_VARIABLE", "Settings", "default_data_dir", "load_settings"]

#: the environment variable that names the settings file (inherited by server workers)
CONFIG_VARIABLE = "CREDSTACK_CONFIG"


def default_data_dir() -> Path:
    """Where an embedded installation keeps its database and key file, per platform custom."""
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Application Support"
    else:
        root = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return root / "credstack"


class Settings(BaseSettings):
    """credstack's configuration; every field can be set as ``CREDSTACK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CREDSTACK_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    #: SQLAlchemy URL; empty means SQLite at ``data_dir/credstack.db``.
    database_url: str | None = None
    #: 32 bytes, base64 or base64url; when empty, ``key_file`` holds a generated one.
    key_encryption_key: SecretStr | None = None
    #: where the generated key-encryption key lives (default ``data_dir/key-encryption.key``).
    key_file: Path | None = None
    #: public URL of this installation; credential and achievement ids are made under it,
    #: and status lists are published under it (default http://localhost:8000).
    base_url: str | None = None
    #: hours a signed status list stays valid (its validUntil); re-published before that.
    status_list_ttl_hours: float = Field(default=48, gt=0, le=24 * 366)
    #: give credentials a suspension entry beside the revocation entry (see decision 0012)
    status_suspension: bool = True
    #: let the web service fetch over HTTPS for verification (did:web documents, others'
    #: status lists, URLs given on the verify page); false: such checks are "not checked"
    fetch_remote: bool = True
    #: the largest award job the issuer API accepts, in bytes (a 100,000-row CSV is ~10 MB)
    max_job_bytes: int = Field(default=50_000_000, ge=1_000_000, le=2_000_000_000)
    #: let webhooks go to http://localhost / 127.0.0.1 and to private or loopback addresses
    #: (development, tests, receivers on this installation's own network); off by default:
    #: https URLs of public addresses only (docs/decisions/0019-webhooks.md)
    webhooks_allow_local: bool = False
    #: the installation's privacy policy and terms of service, named to learners' apps in
    #: the OB 3.0 / CLR 2.0 discovery documents (default: /privacy and /terms under base_url)
    privacy_policy_url: str | None = None
    terms_of_service_url: str | None = None
    #: the SMTP server that sends e-mail (sign-up confirmations); empty: no e-mail, and
    #: sign-up is refused with a message that says so
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    #: the sender's address (default: credstack@ the host of base_url, else of smtp_host)
    smtp_from: str | None = None
    #: upgrade the connection with STARTTLS (off only for a local relay or a test server)
    smtp_starttls: bool = True

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'credstack.db'}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "key-encryption.key"


def load_settings(**overrides: object) -> Settings:
    """The settings: ``overrides`` (the command line), then the environment, then the file
    that ``CREDSTACK_CONFIG`` names. A file that is missing, or names a setting credstack does
    not have, is an ``InvalidInputError`` rather than being ignored: a mistyped line there
    would otherwise leave a default in force without a word."""
    path = os.environ.get(CONFIG_VARIABLE)
    if not path:
        return Settings(**overrides)  # type: ignore[arg-type]
    config = Path(path)
    if not config.is_file():
        raise InvalidInputError(f"{CONFIG_VARIABLE}: no settings file at {config}")
    known = {f"CREDSTACK_{name.upper()}" for name in Settings.model_fields}
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{config}: cannot be read ({error})") from None
    for number, line in enumerate(text.splitlines(), start=1):
        name = line.split("=", 1)[0].strip().removeprefix("export ").strip()
        if name and not name.startswith("#") and name not in known:
            raise InvalidInputError(
                f"{config} line {number}: '{name}' is no credstack setting "
                f"(they are {', '.join(sorted(known))})"
            )
    return Settings(_env_file=config, **overrides)  # type: ignore[arg-type]
