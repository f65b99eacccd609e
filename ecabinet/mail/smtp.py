"""Handing an email to the office's SMTP server, named by ECABINET_SMTP_URL:
`smtp://[user:password@]host[:port]` (STARTTLS when the server offers it),
`smtp+plain://…` (never STARTTLS: a relay on the same host) or `smtps://…` (TLS from the
first byte, port 465)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from ecabinet.models import MailMessage

TIMEOUT = 20.0


@dataclass(frozen=True)
class Server:
    """An SMTP server and how to speak to it."""

    host: str
    port: int
    tls: str  # "implicit", "starttls" (when offered) or "none"
    username: str = ""
    password: str = ""


def parse_url(url: str) -> Server:
    """The server an ECABINET_SMTP_URL names, or ValueError saying what is wrong."""
    parts = urlsplit(url)
    schemes = {"smtp": ("starttls", 25), "smtp+plain": ("none", 25), "smtps": ("implicit", 465)}
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError("ECABINET_SMTP_URL must look like smtp://host:25, smtp+plain://host "
                         "or smtps://user:password@host:465")
    tls, port = schemes[parts.scheme]
    return Server(parts.hostname, parts.port or port, tls, unquote(parts.username or ""),
                  unquote(parts.password or ""))


def compose(message: MailMessage, sender: str, domain: str) -> EmailMessage:
    """The MIME message: plain text, and a calendar invitation both inline (what Outlook and
    Thunderbird read as an invitation) and as an .ics attachment (what the rest import)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid("ecabinet", domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    if message.calendar:
        email.add_alternative(message.calendar, subtype="calendar",
                              params={"method": message.calendar_method})
        email.add_attachment(message.calendar.encode("utf-8"), maintype="application",
                             subtype="ics", filename="invite.ics")
    return email


def send(server: Server, email: EmailMessage) -> None:
    """Hand one message to the server (blocking: run it in a thread)."""
    if server.tls == "implicit":
        client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    with client:
        client.ehlo()
        if server.tls == "starttls" and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if server.username:
            client.login(server.username, server.password)
        client.send_message(email)
