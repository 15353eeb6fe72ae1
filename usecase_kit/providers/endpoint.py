"""One notion of an endpoint: what makes two base URLs the same server.

The run lock, the budget and the response cache all key on it, so a plan run against
``http://localhost:8000/v1`` and ``http://127.0.0.1:8000/v1/`` is one plan: one lock (a second
runner is refused), one set of journaled answers and cached replies (nothing paid twice). Before,
the cache key held the URL as written and two processes ran the same 80 calls side by side.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["endpoint_key"]

#: Names every resolver maps to the loopback interface (RFC 6761 reserves ``.localhost``).
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def endpoint_key(url: str) -> str:
    """``scheme://host:port/path`` with the scheme and host in lower case, any loopback address
    or name as ``loopback``, the scheme's default port written out, no credentials, and the path
    without a trailing or doubled slash. A URL that is not http(s) (``local://…``, an empty
    string) is its own identity, unchanged. No DNS lookup: only loopback names are resolved."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = _host(parts.hostname)
    path = "/" + "/".join(p for p in parts.path.split("/") if p)
    return f"{scheme}://{host}:{port or _DEFAULT_PORTS[scheme]}{path.rstrip('/') or ''}"


def _host(name: str) -> str:
    name = name.lower().rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return name
    mapped = getattr(address, "ipv4_mapped", None)
    if address.is_loopback or (mapped is not None and mapped.is_loopback):
        return "loopback"
    return address.compressed
