"""What AWS (and e-mail, CIDR and window syntax) accepts, for the settings' ``check=`` and ``one_of=`` constraints.

Each function returns None when a value is acceptable, else one line saying what is allowed; the settings classes
use them so a value AWS would refuse at ``pulumi up`` is refused before anything is declared.
"""

from __future__ import annotations

import ipaddress
import re

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Regions the platform may deploy to (commercial partition, every service used here).
AWS_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "sa-east-1",
)
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"


def log_retention(days: int) -> str | None:
    return (
        None
        if days in LOG_RETENTION_DAYS
        else f"must be a CloudWatch Logs retention period: one of {list(LOG_RETENTION_DAYS)}"
    )


_DAILY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_WEEKLY = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-"
    r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$"
)
_WEEK_MINUTES = 7 * 24 * 60
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def daily_window(value: str) -> str | None:
    return None if _DAILY.match(value) else "must be a UTC window like '03:00-04:00'"


def weekly_window(value: str) -> str | None:
    return None if _WEEKLY.match(value) else "must be a weekly UTC window like 'sun:05:00-sun:06:00'"


def weekly_spans(window: str, lead_minutes: int = 0) -> list[tuple[int, int]]:
    """A valid window as [start, end) minute spans of the week (a daily window occurs 7 times).

    ``lead_minutes`` widens each span backwards (AWS Backup will not start an RDS job within the hour before a
    maintenance window).
    """

    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    if window[:3] in _DAYS:
        start_s, end_s = window.split("-")
        start = _DAYS.index(start_s[:3]) * 1440 + minutes(start_s[4:])
        end = _DAYS.index(end_s[:3]) * 1440 + minutes(end_s[4:])
        end += _WEEK_MINUTES if end <= start else 0
        return [(start - lead_minutes, end)]
    start_s, end_s = window.split("-")
    start, end = minutes(start_s), minutes(end_s)
    end += 1440 if end <= start else 0
    return [(d * 1440 + start - lead_minutes, d * 1440 + end) for d in range(7)]


def overlaps(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    """Whether any span of ``a`` meets any span of ``b`` on the weekly circle."""
    return any(
        s1 < e2 + shift and s2 + shift < e1
        for s1, e1 in a
        for s2, e2 in b
        for shift in (-_WEEK_MINUTES, 0, _WEEK_MINUTES)
    )


def private_vpc_cidr(value: str) -> str | None:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as e:
        return f"must be an IPv4 CIDR such as '10.20.0.0/16' ({e})"
    if not 16 <= net.prefixlen <= 24:
        return "prefix length must be between /16 and /24 (AWS VPC limits)"
    if not net.is_private:
        return "must be a private (RFC 1918) range"
    return None


def _means(check, text: str) -> None:
    check.means = text  # what the reference docs show as allowed (components/contract.py constraint_text)


_means(log_retention, "a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, ... 365, 400, ... 3653)")
_means(daily_window, "a UTC window hh:mm-hh:mm")
_means(weekly_window, "a weekly UTC window ddd:hh:mm-ddd:hh:mm")
_means(private_vpc_cidr, "a private IPv4 CIDR, /16 to /24")
