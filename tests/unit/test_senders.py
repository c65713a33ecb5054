"""Senders: the SMTP sender against a tiny socket-level SMTP server, the SMS gateway interface
(the text the gateway actually receives, rendered from the topic declarations), and the settings
read from HOTLINE_SMTP_* (aiosmtpd is not installed here, so the server is a fake)."""

from __future__ import annotations

import socket
import threading

import pytest

from hotline.outbox.models import OutboxMessage
from hotline.outbox.senders import (
    LogSender,
    Outgoing,
    PermanentError,
    SmsSender,
    SmtpSender,
    SmtpSettings,
    subject,
)


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


def _msg(recipient: str, topic: str = "order.supervised", **payload: object) -> Outgoing:
    return Outgoing.of(OutboxMessage(
        id=7, uid="msg_test7", topic=topic, channel="email", recipient=recipient, attempts=1,
        payload=payload or {"number": "QY20260302-0001", "title": "路灯不亮", "note": "请立即办理"}))


class Gateway:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send_sms(self, phone: str, text: str, *, message_id: str) -> None:
        self.sent.append((phone, text, message_id))


def test_smtp_sender_delivers_to_a_server() -> None:
    server = FakeSmtp()
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=server.port, from_="hotline@example.org", timeout=5))
    sender.send(_msg("chengguan@example.org"))
    server.thread.join(5)
    assert "hotline@example.org" in server.mail_from and "chengguan@example.org" in server.rcpt[0]
    body = server.data.decode("utf-8", "replace")
    assert "Subject:" in body and "QY20260302-0001" in subject(_msg("x@y"))
    assert "Message-ID: <msg_test7@hotline12345>" in body  # the same id on a resend


def test_smtp_refuses_a_non_address_permanently_and_fails_when_down() -> None:
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=1, timeout=1))
    with pytest.raises(PermanentError):
        sender.send(_msg("unit:dept-chengguan"))
    with pytest.raises(OSError):  # nobody listens: a retryable failure
        sender.send(_msg("a@b.org"))


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("HOTLINE_SMTP_PORT", "587")
    monkeypatch.setenv("HOTLINE_SMTP_FROM", "12345@qingyang.gov.cn")
    s = SmtpSettings()
    assert (s.host, s.port, s.from_) == ("smtp.example.org", 587, "12345@qingyang.gov.cn")


def test_sms_gateway_interface_and_log_sender(caplog: pytest.LogCaptureFixture) -> None:
    gw = Gateway()
    SmsSender(gw).send(_msg("13912345678"))
    assert gw.sent and gw.sent[0][0] == "13912345678" and "请立即办理" in gw.sent[0][1]
    assert gw.sent[0][2] == "msg_test7"  # the stable id reaches the gateway
    with pytest.raises(PermanentError):
        SmsSender(gw).send(_msg("unit:x"))
    with caplog.at_level("INFO", logger="hotline.outbox"):
        LogSender("sms").send(_msg("13912345678"))
    assert "13912345678" in caplog.text and "msg_test7" in caplog.text


def test_the_citizen_gets_the_rating_link() -> None:
    """Issue #12 item 7: the link was in the payload but never in the text the gateway received."""
    gw = Gateway()
    url = "https://12345.qingyang.gov.cn/rate/abc.def"
    SmsSender(gw, hotline="青阳市12345").send(_msg("13912345678", "callback.rating_link", number="QY20260302-0009",
                                                  title="路灯不亮", url=url, days=7, text="ignored"))
    (_, text, _), = gw.sent
    assert url in text and "QY20260302-0009" in text and "7天" in text and text.startswith("【青阳市12345】")
    assert "路灯不亮" not in text  # never the demand itself


def test_citizen_texts_come_from_their_declarations() -> None:
    gw = Gateway()
    sender = SmsSender(gw, hotline="青阳市12345", portal="https://12345.example/portal/track")
    sender.send(_msg("13912345678", "order.received", number="QY20260302-0010", title="噪音扰民"))
    sender.send(_msg("13912345678", "order.completed", number="QY20260302-0010", title="噪音扰民"))
    received, completed = (t for _, t, _ in gw.sent)
    assert received == ("【青阳市12345】您反映的诉求已受理，工单编号QY20260302-0010。"
                        "可凭工单编号和手机号码在https://12345.example/portal/track查询办理进度。")
    assert "已办结" in completed and "QY20260302-0010" in completed and "噪音扰民" not in completed
