"""The HTTP adapter: credstack as a web service (FastAPI), see ``credstack.web.app``."""

from __future__ import annotations

from credstack.web.app import create_app

__all__ = ["create_app"]
