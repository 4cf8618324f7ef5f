"""Email messages (.eml, RFC 5322/MIME), read with the standard library.

The headers Macie analyses (From, To, Cc, Subject, ...) and every text part (plain text,
HTML with its tags removed, text attachments) are scanned as one document; occurrences are
``lineRanges`` of that text.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import IO

from macie_notify.detect.sources import Limits, Segment
from macie_notify.detect.structured import Structure

_HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To", "Subject")
_TAGS = re.compile(r"<(?:script|style)\b.*?</(?:script|style)>|<[^>]*>", re.DOTALL | re.I)


def read_eml(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    message = email.message_from_binary_file(stream, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise ValueError("not an email message: no headers")
    yield Segment(_texts(message), Structure())


def _texts(message: EmailMessage) -> Iterator[str]:
    for header in _HEADERS:
        for value in message.get_all(header, []):
            yield f"{header}: {value}\n"
    yield "\n"
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        try:
            content = part.get_content()
        except (LookupError, UnicodeError):  # unknown charset: the raw bytes, leniently
            payload = part.get_payload(decode=True)
            content = payload.decode("latin-1") if isinstance(payload, bytes) else ""
        if not isinstance(content, str):
            continue
        if part.get_content_subtype() == "html":
            content = html.unescape(_TAGS.sub(" ", content))
        yield content if content.endswith("\n") else content + "\n"
