"""The real ``Mailer``: one message per SMTP connection, with ``smtplib``.

Settings ``CREDSTACK_SMTP_*`` (``bootstrap.mailer``). The connection is upgraded with
STARTTLS unless that is turned off (a relay on the same host, a test server), and the
server's certificate is checked against the system's trust store. Each message is plain text
with an HTML alternative when one is given. A refusal or an unreachable server is a
``MailError`` with the reason, never a silent drop.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from credstack.domain.errors import MailError
from credstack.services.deps import SystemClock
from credstack.services.ports import Mail

__all__ = ["SmtpMailer"]


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 15.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    def message(self, mail: Mail) -> EmailMessage:
        """The MIME message that ``send`` sends (plain text, then HTML as the alternative)."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(SystemClock().now())
        domain = parseaddr(self.sender)[1].rpartition("@")[2]
        message["Message-ID"] = make_msgid(domain=domain or None)
        message.set_content(mail.text)
        if mail.html is not None:
            message.add_alternative(mail.html, subtype="html")
        return message

    def send(self, mail: Mail) -> None:
        message = self.message(mail)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self._timeout) as server:
                if self._starttls:
                    server.starttls(context=ssl.create_default_context())
                if self._username:
                    server.login(self._username, self._password or "")
                server.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(
                f"the e-mail could not be sent through {self.host}:{self.port} ({error})"
            ) from None
