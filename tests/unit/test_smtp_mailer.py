"""The SMTP mailer against a real local SMTP server (aiosmtpd), and against none."""

from __future__ import annotations

import socket

import pytest

from credstack.adapters.smtp_mailer import SmtpMailer
from credstack.bootstrap import mailer
from credstack.domain.errors import MailError
from credstack.services.ports import Mail
from credstack.settings import Settings
from tests.smtp_server import smtp_server


def test_a_message_arrives_as_plain_text_with_an_html_alternative() -> None:
    with smtp_server() as (inbox, port):
        sender = SmtpMailer("127.0.0.1", port, sender="noreply@acme.example", starttls=False)
        sender.send(Mail("lea@learner.example", "Hello", "Plain words.", "<p>Rich words.</p>"))
        sender.send(Mail("max@learner.example", "Only text", "Just this."))
        first, second = inbox.wait(2)
    assert (first["From"], first["To"], first["Subject"]) == (
        "noreply@acme.example",
        "lea@learner.example",
        "Hello",
    )
    assert inbox.text_of(first).strip() == "Plain words."
    html = first.get_body(preferencelist=("html",))
    assert html is not None
    assert "Rich words." in str(html.get_content())
    assert second.get_body(preferencelist=("html",)) is None
    assert first["Message-ID"].endswith("@acme.example>")


def test_a_server_that_is_not_there_is_a_mail_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens once it is closed
    sender = SmtpMailer("127.0.0.1", port, sender="noreply@acme.example", timeout=2)
    with pytest.raises(MailError, match=f"127.0.0.1:{port}"):
        sender.send(Mail("lea@learner.example", "Hello", "Words."))


def test_no_smtp_host_means_no_mailer_and_the_sender_defaults_to_the_base_url_host() -> None:
    assert mailer(Settings(smtp_host=None)) is None
    made = mailer(Settings(smtp_host="mail.example", base_url="https://badges.acme.example/"))
    assert made is not None
    assert made.sender == "credstack@badges.acme.example"
    assert made.port == 587
    given = mailer(Settings(smtp_host="mail.example", smtp_from="Acme <no-reply@acme.example>"))
    assert given is not None
    assert given.sender == "Acme <no-reply@acme.example>"


def test_a_sender_with_a_display_name_gives_a_message_id_of_its_domain() -> None:
    sender = SmtpMailer("mail.example", sender="Acme Academy <no-reply@acme.example>")
    message = sender.message(Mail("lea@learner.example", "Hello", "Words."))
    assert message["Message-ID"].endswith("@acme.example>")
    assert message["From"] == "Acme Academy <no-reply@acme.example>"
