"""Build the Slack message for a finding: pure, deterministic, safe with hostile input.

Every string taken from the finding is untrusted (object keys and tags are chosen by
whoever can write to the bucket). Such strings are

* escaped for mrkdwn (``&``, ``<``, ``>``, the only control characters Slack honours:
  https://docs.slack.dev/messaging/formatting-message-text#escaping), so ``<!channel>`` or
  ``<https://evil|bucket>`` cannot ping or phish;
* shown inside code spans, in ``mrkdwn`` objects with ``verbatim: true``, so bare URLs
  and ``@here`` are not auto-linked or parsed
  (https://docs.slack.dev/reference/block-kit/composition-objects/text-object);
* stripped of bidi and control characters (replaced by a visible ``[U+202E]``), so a
  right-to-left override cannot disguise an object key;
* truncated to Slack's limits (section text 3,000, field 2,000, header 150, at most 50
  blocks: https://docs.slack.dev/reference/block-kit/blocks).

The only ``<...>`` sequences in the output are the ones built here: dates and the
console link from validated parts.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import quote

from .event import Detection, MacieFindingEvent, Severity

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_TEXT = 4000  # notification fallback; Slack truncates only past 40,000
MAX_VALUE = 300  # one value in a field: long enough to read, short enough to scan
MAX_DESCRIPTION = 1000
TOP_DETECTIONS = 8
MAX_TAGS = 10
ELLIPSIS = "…"


class SeverityStyle(Enum):
    """How a severity looks: marker emoji and attachment colour."""

    LOW = ("🟡", "#ECB22E")
    MEDIUM = ("🟠", "#E8912D")
    HIGH = ("🔴", "#E01E5A")

    @property
    def emoji(self) -> str:
        return self.value[0]

    @property
    def colour(self) -> str:
        return self.value[1]

    @classmethod
    def of(cls, severity: Severity) -> SeverityStyle:
        return cls[severity.name]


TYPE_TITLES = {
    "SensitiveData:S3Object/Credentials": "Credentials in an S3 object",
    "SensitiveData:S3Object/CustomIdentifier": "Custom identifier match in an S3 object",
    "SensitiveData:S3Object/Financial": "Financial information in an S3 object",
    "SensitiveData:S3Object/Multiple": "Several kinds of sensitive data in an S3 object",
    "SensitiveData:S3Object/Personal": "Personal information in an S3 object",
    "Policy:IAMUser/S3BlockPublicAccessDisabled": "Block Public Access turned off for a bucket",
    "Policy:IAMUser/S3BucketEncryptionDisabled": "Default encryption changed for a bucket",
    "Policy:IAMUser/S3BucketPublic": "Bucket made public",
    "Policy:IAMUser/S3BucketReplicatedExternally": "Bucket replicated to an external account",
    "Policy:IAMUser/S3BucketSharedExternally": "Bucket shared with an external account",
    "Policy:IAMUser/S3BucketSharedWithCloudFront": "Bucket shared with CloudFront",
}

# Console hosts per partition; regional hosts exist only in the commercial partition.
_CONSOLE = {
    "aws": "https://{region}.console.aws.amazon.com",
    "aws-cn": "https://console.amazonaws.cn",
    "aws-us-gov": "https://console.amazonaws-us-gov.com",
}
# Matched whole (fullmatch): "$" would also match before a trailing newline.
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_ENTITY_TAIL = re.compile(r"&[a-z]*$")


# -- text safety ---------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise(text: str) -> str:
    """Make control and bidi formatting characters visible (``[U+202E]``)."""
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch != "\u200d":
            # Cf holds the bidi overrides and isolates; ZWJ stays so emoji stay whole.
            # Cs: a lone surrogate cannot be encoded for Slack at all.
            out.append(f"[U+{ord(ch):04X}]")
        else:
            out.append(ch)
    return "".join(out)


def _head(text: str, limit: int) -> str:
    """Enough of ``text`` to fill ``limit``: escaping and neutralising only ever lengthen
    it, so one character more than the limit still shows that it must be cut."""
    return text[: limit + 1]


def fit(text: str, limit: int) -> str:
    """Cut escaped text to ``limit`` characters without splitting an ``&amp;`` entity."""
    if len(text) <= limit:
        return text
    cut = _ENTITY_TAIL.sub("", text[: limit - len(ELLIPSIS)])
    return cut + ELLIPSIS


def safe(text: str, limit: int) -> str:
    """Untrusted text -> escaped, neutralised, within ``limit`` (for plain sentences)."""
    return fit(escape(neutralise(_head(text, limit))), limit)


def code(text: str, limit: int = MAX_VALUE) -> str:
    """Untrusted value -> an escaped code span, within ``limit`` characters in total."""
    # A backtick would close the span early; U+02CB looks the same and cannot.
    inner = fit(escape(neutralise(_head(text, limit)).replace("`", "ˋ")), limit - 2)
    return f"`{inner}`"


def plain(text: str, limit: int) -> str:
    """Text for a ``plain_text`` object (never parsed by Slack), within ``limit``."""
    text = neutralise(_head(text, limit))
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


# -- small builders -----------------------------------------------------------------


def slack_date(when: datetime | None) -> str:
    """A Slack date token, shown in the reader's time zone, ISO in the fallback."""
    if when is None:
        return "-"
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{iso}>"


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": fit(text, MAX_SECTION_TEXT), "verbatim": True}


def field(label: str, value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": fit(f"*{label}*\n{value}", MAX_FIELD), "verbatim": True}


def readable_type(finding_type: str) -> str:
    """``Policy:IAMUser/S3BucketPublic`` -> ``Bucket made public``; unknown types spaced out."""
    if finding_type in TYPE_TITLES:
        return TYPE_TITLES[finding_type]
    tail = finding_type.rsplit("/", 1)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", tail) or finding_type


def console_url(finding: MacieFindingEvent) -> str | None:
    """The finding in the Macie console of its Region and partition, if they are known."""
    region = finding.region or ""
    host = _CONSOLE.get(finding.partition)
    if host is None or not _REGION.fullmatch(region) or not finding.id:
        return None
    fid = quote(finding.id, safe="")
    return (
        f"{host.format(region=region)}/macie/home?region={region}"
        f"#findings?search=id%3D{fid}&macros=current&itemId={fid}"
    )


def detections_text(title: str, detections: list[Detection]) -> str:
    """A bulleted list of the top detections, the rest summed in one line."""
    lines = [f"*{title}*"]
    for det in detections[:TOP_DETECTIONS]:
        lines.append(f"• {code(det.name, 120)} × {det.count:,}")
    rest = detections[TOP_DETECTIONS:]
    if rest:
        total = sum(d.count for d in rest)
        lines.append(f"• and {len(rest)} more types ({total:,} occurrences)")
    return "\n".join(lines)


def tags_text(tags: list[tuple[str, str]]) -> str:
    shown = [f"{code(k, 80)}={code(v, 160)}" for k, v in tags[:MAX_TAGS]]
    more = f" and {len(tags) - MAX_TAGS} more" if len(tags) > MAX_TAGS else ""
    return "*Bucket tags*\n" + ", ".join(shown) + more


# -- the message ----------------------------------------------------------------------


def header_text(finding: MacieFindingEvent) -> str:
    style = SeverityStyle.of(finding.severity)
    sample = " (sample)" if finding.sample else ""
    return plain(
        f"{style.emoji} {finding.severity.label}{sample} · {readable_type(finding.type)}",
        MAX_HEADER,
    )


def summary_text(finding: MacieFindingEvent) -> str:
    title = finding.title or readable_type(finding.type)
    text = f"*{safe(title, MAX_VALUE)}*"
    if finding.description and finding.description != finding.title:
        text += "\n" + safe(finding.description, MAX_DESCRIPTION)
    return text


def resource_fields(finding: MacieFindingEvent) -> list[dict[str, Any]]:
    fields = [
        field("Account", code(finding.account_id or "-")),
        field("Region", code(finding.region or "-")),
        field("Bucket", code(finding.bucket_name or "-")),
    ]
    if finding.object_key:
        fields.append(field("Object key", code(finding.object_key)))
    if finding.object_version:
        fields.append(field("Object version", code(finding.object_version, 120)))
    if finding.is_policy or finding.occurrences:
        label = "Count" if finding.is_policy else "Occurrences"
        fields.append(field(label, f"{finding.occurrences:,}"))
    fields.append(field("Created", slack_date(finding.created_at)))
    fields.append(field("Updated", slack_date(finding.updated_at)))
    if finding.job_id:
        fields.append(field("Job", code(finding.job_id, 120)))
    elif finding.origin_type == "AUTOMATED_SENSITIVE_DATA_DISCOVERY":
        fields.append(field("Job", "Automated discovery"))
    return fields


def policy_fields(finding: MacieFindingEvent) -> list[dict[str, Any]]:
    api, service = finding.api_call
    fields = []
    if api:
        action = code(api, 120) + (f" on {code(service, 120)}" if service else "")
        fields.append(field("Action", action))
    if finding.actor:
        fields.append(field("Actor", code(finding.actor)))
    if finding.actor_ip:
        fields.append(field("Source IP", code(finding.actor_ip, 120)))
    return fields


def field_sections(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "section", "fields": fields[i : i + MAX_FIELDS]}
        for i in range(0, len(fields), MAX_FIELDS)
    ]


def detail_blocks(finding: MacieFindingEvent) -> list[dict[str, Any]]:
    """The coloured part: resource fields, what was found or done, tags, link."""
    fields = resource_fields(finding)
    if finding.is_policy:
        fields += policy_fields(finding)
    blocks = field_sections(fields)
    for title, detections in (
        ("Sensitive data", finding.sensitive_data),
        ("Custom data identifiers", finding.custom_identifiers),
    ):
        if detections:
            blocks.append({"type": "section", "text": mrkdwn(detections_text(title, detections))})
    if finding.bucket_tags:
        blocks.append({"type": "section", "text": mrkdwn(tags_text(finding.bucket_tags))})
    blocks.append({"type": "context", "elements": [mrkdwn(context_text(finding))]})
    url = console_url(finding)
    if url:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open in the Macie console"},
            "url": url,
        }
        blocks.append({"type": "actions", "elements": [button]})
    return blocks


def context_text(finding: MacieFindingEvent) -> str:
    parts = [
        f"Macie finding {code(finding.id, 120)}" if finding.id else "Macie finding",
        f"severity score {finding.severity.score}",
    ]
    if finding.sample:
        parts.append("*sample finding* (CreateSampleFindings, placeholder data)")
    if finding.archived:
        parts.append("archived")
    return " · ".join(parts)


def fallback_text(finding: MacieFindingEvent) -> str:
    """The notification and screen-reader text: one escaped line, no markup."""
    where = finding.bucket_name or "unknown bucket"
    if finding.object_key:
        where = f"s3://{where}/{finding.object_key}"
    title = finding.title or readable_type(finding.type)
    sample = "Sample " if finding.sample else ""
    text = (
        f"{SeverityStyle.of(finding.severity).emoji} {sample}{finding.severity.label} "
        f"Macie finding: {plain(title.rstrip('.'), MAX_VALUE)}. {plain(where, MAX_VALUE)} "
        f"(account {plain(finding.account_id or '-', MAX_VALUE)}, "
        f"{plain(finding.region or '-', MAX_VALUE)})"
    )
    return fit(escape(text), MAX_TEXT)


def build_message(finding: MacieFindingEvent) -> dict[str, Any]:
    """The chat.postMessage / webhook payload (without ``channel``) for one finding.

    Layout: header and summary as top-level blocks (so the fallback ``text`` is not
    shown twice), details inside an attachment whose ``color`` carries the severity.
    """
    style = SeverityStyle.of(finding.severity)
    top = [
        {"type": "header", "text": {"type": "plain_text", "text": header_text(finding)}},
        {"type": "section", "text": mrkdwn(summary_text(finding))},
    ]
    details = detail_blocks(finding)[: MAX_BLOCKS - len(top)]
    text = fallback_text(finding)
    return {
        "text": text,
        "blocks": top,
        "attachments": [{"color": style.colour, "fallback": text, "blocks": details}],
    }
