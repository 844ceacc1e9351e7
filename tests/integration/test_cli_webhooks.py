"""``credstack webhooks list`` and ``deliver``: an installation that issues from the command
line delivers its events too."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from credstack.bootstrap import build_services
from credstack.services.webhooks import register_webhook
from credstack.settings import Settings
from tests.integration.test_cli_support import Cli, award_one, setup_course
from tests.integration.test_webhooks import Receiver, check_signed

LOCAL = {"CREDSTACK_WEBHOOKS_ALLOW_LOCAL": "true"}


def test_events_of_cli_awards_are_delivered_by_the_deliver_command(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(database_url, tmp_path / "data", monkeypatch)
    setup_course(cli, tmp_path)
    receiver = Receiver()
    try:
        settings = Settings(
            data_dir=tmp_path / "data", database_url=database_url, webhooks_allow_local=True
        )
        deps = build_services(settings)
        try:
            subscription, secret = register_webhook(
                deps, "acme", url=receiver.url, events=["credential.issued", "credential.revoked"]
            )
        finally:
            deps.uow.engine.dispose()  # type: ignore[attr-defined]
        listed = cli.ok("webhooks", "list", "--issuer", "acme").stdout
        assert subscription.id in listed
        assert "active" in listed
        award_id = award_one(cli, "--to", "ada@example.org", "--result", "A")
        cli.ok("credential", "revoke", award_id, "--reason", "issued in error")
        assert receiver.received == []
        sent = cli.ok("webhooks", "deliver", env=LOCAL).stdout
        assert "2 delivered, 0 to be retried, 0 failed" in sent
        assert "0 delivered" in cli.ok("webhooks", "deliver", env=LOCAL).stdout
        types = sorted(json.loads(body)["type"] for _, body in receiver.received)
        assert types == ["credential.issued", "credential.revoked"]
        for headers, body in receiver.received:
            now = dt.datetime.fromtimestamp(int(headers["webhook-timestamp"]), dt.UTC)
            check_signed(secret, headers, body, now)
    finally:
        receiver.close()


def test_without_the_local_setting_nothing_goes_to_a_local_address(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(database_url, tmp_path / "data", monkeypatch)
    setup_course(cli, tmp_path)
    receiver = Receiver()
    try:
        settings = Settings(
            data_dir=tmp_path / "data", database_url=database_url, webhooks_allow_local=True
        )
        deps = build_services(settings)
        try:
            register_webhook(deps, "acme", url=receiver.url, events=["credential.issued"])
        finally:
            deps.uow.engine.dispose()  # type: ignore[attr-defined]
        award_one(cli, "--to", "bo@example.org", "--result", "A")
        assert "0 delivered, 1 to be retried" in cli.ok("webhooks", "deliver").stdout
        assert receiver.received == []
    finally:
        receiver.close()
