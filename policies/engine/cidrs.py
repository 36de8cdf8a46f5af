"""CIDR and port helpers the network and database policies share."""

from __future__ import annotations

import ipaddress
from typing import Any

from policies.engine.values import known, num

OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


def is_open_cidr(cidr: Any) -> bool:
    return isinstance(cidr, str) and cidr.strip() in OPEN_CIDRS


def is_public_cidr(cidr: Any) -> bool:
    """True for a CIDR that includes any address routable on the internet (not RFC 1918/ULA/loopback/link-local)."""
    if not isinstance(cidr, str):
        return False
    try:
        net = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    if net.prefixlen == 0:
        return True
    private = [
        ipaddress.ip_network(n)
        for n in (
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "fc00::/7",
            "fe80::/10",
            "::1/128",
        )
    ]
    if isinstance(net, ipaddress.IPv4Network):
        return not any(isinstance(p, ipaddress.IPv4Network) and net.subnet_of(p) for p in private)
    return not any(isinstance(p, ipaddress.IPv6Network) and net.subnet_of(p) for p in private)


def port_range_covers(from_port: Any, to_port: Any, protocol: Any, port: int) -> bool | None:
    """Whether a rule's (protocol, from..to) admits TCP ``port``; None when unknown."""
    if not known(protocol) or not known(from_port) or not known(to_port):
        return None
    proto = str(protocol).lower() if protocol is not None else "tcp"
    if proto in ("-1", "all"):
        return True
    if proto not in ("tcp", "6"):
        return False
    lo, hi = num(from_port), num(to_port)
    if lo is None and hi is None:
        return True  # no range on a TCP rule means all ports
    lo = lo if lo is not None else hi
    hi = hi if hi is not None else lo
    if lo == -1 and hi == -1:
        return True
    return lo <= port <= hi  # type: ignore[operator]
