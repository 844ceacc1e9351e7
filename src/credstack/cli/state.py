"""The services a command works on, built once per run from settings and global options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from credstack.services.deps import ServiceDeps
from credstack.settings import Settings, load_settings

__all__ = ["CliState", "services", "settings"]


@dataclass
class CliState:
    data_dir: Path | None = None
    database_url: str | None = None
    _services: ServiceDeps | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        overrides: dict[str, object] = {}
        if self.data_dir is not None:
            overrides["data_dir"] = self.data_dir
        if self.database_url is not None:
            overrides["database_url"] = self.database_url
        return load_settings(**overrides)

    def services(self) -> ServiceDeps:
        if self._services is None:
            from credstack.bootstrap import build_services

            self._services = build_services(self.settings())
        return self._services


def _state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def services(ctx: typer.Context) -> ServiceDeps:
    """The services (database opened and migrated on first use)."""
    return _state(ctx).services()


def settings(ctx: typer.Context) -> Settings:
    return _state(ctx).settings()
