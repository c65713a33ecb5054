"""Senders: the SMTP sender against a tiny socket-level SMTP server, the SMS gateway interface,
and the settings read from HOTLINE_SMTP_* (aiosmtpd is not installed here, so the server is a fake)."""

from __future__ import annotations

import socket
import threading

import pytest

from hotline.outbox.models import OutboxMessage
from hotline.outbox.senders import LogSender, PermanentError, SmsSender, SmtpSender, SmtpSettings, subject


class FakeSmtp:
    """Speaks just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT; records what it got."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.mail_from = ""
        self.rcpt: list[str] = []
        self.data = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        f = conn.makefile("rb")
        conn.sendall(b"220 fake ESMTP\r\n")
        while True:
            line = f.readline()
            if not line:
                break
            cmd = line.decode().strip()
            up = cmd.upper()
            if up.startswith(("EHLO", "HELO")):
                conn.sendall(b"250-fake\r\n250 8BITMIME\r\n")
            elif up.startswith("MAIL FROM"):
                self.mail_from = cmd
                conn.sendall(b"250 ok\r\n")
            elif up.startswith("RCPT TO"):
                self.rcpt.append(cmd)
                conn.sendall(b"250 ok\r\n")
            elif up == "DATA":
                conn.sendall(b"354 go\r\n")
                buf = b""
                while not buf.endswith(b"\r\n.\r\n"):
                    buf += f.readline()
                self.data = buf
                conn.sendall(b"250 queued\r\n")
            elif up == "QUIT":
                conn.sendall(b"221 bye\r\n")
                break
            else:
                conn.sendall(b"250 ok\r\n")
        conn.close()
        self.sock.close()


def _msg(recipient: str) -> OutboxMessage:
    return OutboxMessage(id=7, topic="order.supervised", channel="email", recipient=recipient,
                         payload={"number": "QY20260302-0001", "title": "路灯不亮", "note": "请立即办理"})


def test_smtp_sender_delivers_to_a_server() -> None:
    server = FakeSmtp()
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=server.port, from_="hotline@example.org", timeout=5))
    sender.send(_msg("chengguan@example.org"), db=None)  # type: ignore[arg-type]
    server.thread.join(5)
    assert "hotline@example.org" in server.mail_from and "chengguan@example.org" in server.rcpt[0]
    body = server.data.decode("utf-8", "replace")
    assert "Subject:" in body and "QY20260302-0001" in subject(_msg("x@y"))


def test_smtp_refuses_a_non_address_permanently_and_fails_when_down() -> None:
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=1, timeout=1))
    with pytest.raises(PermanentError):
        sender.send(_msg("unit:dept-chengguan"), db=None)  # type: ignore[arg-type]
    with pytest.raises(OSError):  # nobody listens: a retryable failure
        sender.send(_msg("a@b.org"), db=None)  # type: ignore[arg-type]


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("HOTLINE_SMTP_PORT", "587")
    monkeypatch.setenv("HOTLINE_SMTP_FROM", "12345@qingyang.gov.cn")
    s = SmtpSettings()
    assert (s.host, s.port, s.from_) == ("smtp.example.org", 587, "12345@qingyang.gov.cn")


def test_sms_gateway_interface_and_log_sender(caplog: pytest.LogCaptureFixture) -> None:
    sent: list[tuple[str, str]] = []

    class Gateway:
        def send_sms(self, phone: str, text: str) -> None:
            sent.append((phone, text))

    SmsSender(Gateway()).send(_msg("13912345678"), db=None)  # type: ignore[arg-type]
    assert sent and sent[0][0] == "13912345678" and "请立即办理" in sent[0][1]
    with pytest.raises(PermanentError):
        SmsSender(Gateway()).send(_msg("unit:x"), db=None)  # type: ignore[arg-type]
    with caplog.at_level("INFO", logger="hotline.outbox"):
        LogSender("sms").send(_msg("13912345678"), db=None)  # type: ignore[arg-type]
    assert "13912345678" in caplog.text
