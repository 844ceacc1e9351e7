"""``credstack webhooks ...``: the organisations' webhooks, and sending what is due.

The web service sends webhook events in the background; an installation that issues only
from the command line runs ``credstack webhooks deliver`` (e.g. from cron every minute).
"""

from __future__ import annotations

from typing import Annotated

import typer

from credstack.adapters.webhook_sender import HttpWebhookSender
from credstack.cli.output import console, print_table, when
from credstack.cli.state import services
from credstack.services.webhook_delivery import DeliveryRun, deliver_due
from credstack.services.webhooks import list_webhooks

app = typer.Typer(
    help="Webhooks: the URLs that receive signed events about an organisation's credentials."
    "\n\nExample: credstack webhooks deliver"
)


@app.command("list")
def webhooks_list(
    ctx: typer.Context,
    issuer: Annotated[str | None, typer.Option(help="Only this organisation's.")] = None,
) -> None:
    """List the webhooks (all organisations', or one's).

    Example: credstack webhooks list --issuer acme
    """
    rows = [
        (
            s.issuer_id,
            s.id,
            s.url,
            " ".join(sorted(s.events)),
            "active" if s.active else f"disabled {when(s.disabled_at)}",
        )
        for s in list_webhooks(services(ctx), issuer)
    ]
    print_table("Webhooks", ["organisation", "id", "url", "events", "state"], rows)


@app.command("deliver")
def webhooks_deliver(
    ctx: typer.Context,
    batch: Annotated[int, typer.Option(min=1, max=1000, help="At most this many per round.")] = 50,
) -> None:
    """Send every delivery that is due now (one attempt each), then stop.

    Example: credstack webhooks deliver
    """
    deps = services(ctx)
    sender = HttpWebhookSender(allow_local=deps.webhooks_allow_local)
    total = DeliveryRun()
    while True:
        run = deliver_due(deps, sender, limit=batch)
        total += run
        if run.delivered + run.retried + run.failed < batch:
            break
    console.print(
        f"{total.delivered} delivered, {total.retried} to be retried, {total.failed} failed"
    )
