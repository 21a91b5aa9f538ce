"""The outbound HTTP guard: a webhook goes to a public address, and only there.

A URL typed by an administrator (or a receiver's redirect, or a DNS answer) must never
turn Yunwei into a client of its own network: the database, the cloud's metadata
service, an internal admin page. So, for every call:

1. the URL is http or https, with a host name or a plain IP address (odd spellings of
   IPv4 such as "2130706433", "0177.0.0.1", "0x7f.1" are refused outright);
2. the host is resolved once, and the call is refused if ANY address it resolves to is
   not public (IPv4 inside IPv6 — mapped, compatible, 6to4, Teredo, NAT64 — counts as
   the IPv4 it carries), unless the subscription allows private networks or the
   address is inside YUNWEI_WEBHOOK_ALLOWED_NETWORKS;
3. the request goes to the address that was checked (an IP literal in the URL, the
   name in the Host header and in TLS SNI, so certificates are still verified against
   the name): a second DNS answer cannot swap in another address (DNS rebinding);
4. no redirect is followed, the whole call — resolving, connecting, sending, reading
   the answer — has one deadline (deadline.py), and at most
   YUNWEI_WEBHOOK_MAX_RESPONSE_BYTES of the answer are read.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunwei.webhooks.deadline import (
    Deadline,
    DeadlineBackend,
    DeadlineTransport,
    getaddrinfo_within,
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class DeliveryError(Exception):
    """A call that did not get an answer. `permanent`: trying again will not help."""

    permanent = False


class Refused(DeliveryError):
    """The URL, or an address its host resolves to, is not allowed."""

    permanent = True


class Unreachable(DeliveryError):
    """No answer: the name did not resolve, the connection failed or timed out."""


# --- address classes -------------------------------------------------------------------

_net = ipaddress.ip_network
THIS_NETWORK = _net("0.0.0.0/8")
BROADCAST = ipaddress.IPv4Address("255.255.255.255")
SHARED = _net("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
BENCHMARKING = (_net("198.18.0.0/15"), _net("2001:2::/48"))
DOCUMENTATION = (
    _net("192.0.2.0/24"),
    _net("198.51.100.0/24"),
    _net("203.0.113.0/24"),
    _net("2001:db8::/32"),
    _net("3fff::/20"),
)
# Never opened by a webhook's "allow private network" (only by
# YUNWEI_WEBHOOK_ALLOWED_NETWORKS): cloud metadata services, which hand out credentials,
# and special-purpose blocks that some Python versions count as global (192.0.0.0/24
# before the fix of CVE-2024-4032; Oracle Cloud's legacy metadata is 192.0.0.192).
CLOUD_METADATA = (_net("100.100.100.200/32"), _net("fd00:ec2::254/128"))  # Alibaba, AWS
SPECIAL_PURPOSE = (_net("192.0.0.0/24"), _net("192.88.99.0/24"))  # IETF, 6to4 relays
NAT64 = _net("64:ff9b::/96")  # the well-known prefix: the low 32 bits are the IPv4
NAT64_LOCAL = _net("64:ff9b:1::/48")  # local-use NAT64 (RFC 8215): internal by definition
IPV4_COMPATIBLE = _net("::/96")


@dataclass(frozen=True)
class AddressClass:
    label: Promise
    # Reachable when the subscription allows private networks (else only when inside
    # YUNWEI_WEBHOOK_ALLOWED_NETWORKS).
    private_ok: bool


METADATA = AddressClass(gettext_lazy("cloud metadata"), False)
SPECIAL = AddressClass(gettext_lazy("special-purpose"), False)
UNSPECIFIED = AddressClass(gettext_lazy("unspecified"), False)
MULTICAST = AddressClass(gettext_lazy("multicast or broadcast"), False)
LOOPBACK = AddressClass(gettext_lazy("loopback"), True)
LINK_LOCAL = AddressClass(gettext_lazy("link-local"), False)
SHARED_SPACE = AddressClass(gettext_lazy("shared (carrier-grade NAT)"), True)
BENCHMARK = AddressClass(gettext_lazy("benchmarking"), True)
DOCS = AddressClass(gettext_lazy("documentation"), False)
PRIVATE = AddressClass(gettext_lazy("private"), True)
RESERVED = AddressClass(gettext_lazy("reserved"), False)
NOT_PUBLIC = AddressClass(gettext_lazy("non-public"), False)


def _in(address: Address, networks: Iterable[Any]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def classify_one(address: Address) -> AddressClass | None:
    """The class of a non-public address (most specific first); None when public."""
    if _in(address, CLOUD_METADATA):
        return METADATA
    if _in(address, SPECIAL_PURPOSE):
        return SPECIAL
    if address.is_unspecified or _in(address, [THIS_NETWORK]):
        return UNSPECIFIED
    if address.is_multicast or address == BROADCAST:
        return MULTICAST
    if address.is_loopback:
        return LOOPBACK
    if address.is_link_local:
        return LINK_LOCAL
    if _in(address, [SHARED]):
        return SHARED_SPACE
    if _in(address, BENCHMARKING):
        return BENCHMARK
    if _in(address, DOCUMENTATION):
        return DOCS
    if _in(address, [NAT64_LOCAL]) or getattr(address, "is_site_local", False):
        return PRIVATE
    if address.is_reserved:  # before is_private, which counts 240.0.0.0/4 as private
        return RESERVED
    if address.is_private:
        return PRIVATE
    if not address.is_global:
        return NOT_PUBLIC
    return None


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, which is where traffic really goes."""
    if address.version == 4:
        return None
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for text in settings.WEBHOOK_ALLOWED_NETWORKS:
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"YUNWEI_WEBHOOK_ALLOWED_NETWORKS: {text!r} is not a network"
            ) from error
    return networks


def address_problem(address: Address, *, allow_private: bool) -> str:
    """Why a call may not go to `address`; "" when it may."""
    inner = embedded_ipv4(address)
    allowed = allowed_networks()
    if any(_in(candidate, allowed) for candidate in (address, inner) if candidate is not None):
        return ""
    # The IPv4 address carried inside decides first: that is where the traffic goes. A
    # mapped or NAT64 address is nothing but that IPv4 address; other wrappers (6to4,
    # Teredo, IPv4-compatible) are judged as IPv6 addresses too.
    candidates: list[Address] = [address] if inner is None else [inner]
    if inner is not None and not (address.ipv4_mapped or address in NAT64):  # type: ignore[union-attr]
        candidates.append(address)
    for candidate in candidates:
        found = classify_one(candidate)
        if found is None or (allow_private and found.private_ok):
            continue
        shown = f"{address} ({inner})" if inner is not None else str(address)
        return _(
            "%(address)s is a %(kind)s address: webhooks go only to public addresses "
            "unless the webhook allows private networks or the address is in "
            "YUNWEI_WEBHOOK_ALLOWED_NETWORKS."
        ) % {"address": shown, "kind": found.label}
    return ""


# --- URLs ------------------------------------------------------------------------------

_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_DOTTED_QUAD = re.compile(r"^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$")
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name (ASCII, IDNA) or the IP address as written
    port: int
    path: str  # path and query
    address: Address | None  # when the URL names an IP address

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _host(raw: str, bracketed: bool) -> tuple[str, Address | None]:
    host = raw.rstrip(".") if not bracketed else raw
    if bracketed:
        if "%" in host:
            raise Refused(_("Give an IPv6 address without a zone index."))
        try:
            return host, ipaddress.IPv6Address(host)
        except ValueError as error:
            raise Refused(_("“%(host)s” is not an IPv6 address.") % {"host": raw}) from error
    labels = host.split(".")
    if all(_NUMERIC_LABEL.match(label) for label in labels):
        if not _DOTTED_QUAD.match(host):
            raise Refused(
                _(
                    "“%(host)s” is an unusual way of writing an IPv4 address; write it as "
                    "four decimal numbers (e.g. 203.0.113.7) or use a host name."
                )
                % {"host": raw}
            )
        return host, ipaddress.IPv4Address(host)
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise Refused(_("“%(host)s” is not a valid host name.") % {"host": raw}) from error
    if not _HOST_NAME.match(ascii_host) or len(ascii_host) > 253:
        raise Refused(_("“%(host)s” is not a valid host name.") % {"host": raw})
    if ascii_host == "localhost" or ascii_host.endswith(".localhost"):
        raise Refused(_("“localhost” is this machine: webhooks go to other hosts."))
    return ascii_host, None


def parse(url: str) -> Target:
    """The parts of a webhook URL; Refused (with the reason) when it cannot be one."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as error:
        raise Refused(_("The URL is malformed: %(error)s.") % {"error": error}) from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(_("Only http:// and https:// URLs can receive webhooks."))
    if parts.username is not None or parts.password is not None:
        raise Refused(_("Put no user name or password in the URL."))
    raw_host = parts.hostname or ""
    if not raw_host:
        raise Refused(_("The URL has no host."))
    host, address = _host(raw_host, bracketed="[" in parts.netloc)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in path):
        raise Refused(_("The URL contains spaces or control characters."))
    default = 443 if scheme == "https" else 80
    return Target(scheme, host, port or default, path, address)


def validate_url(url: str, *, allow_private: bool, field: str = "url") -> None:
    """What can be known without resolving: the form of the URL and an IP address in it.
    (Host names are resolved and checked at each call.) ValidationError on `field`."""
    try:
        target = parse(url)
    except Refused as error:
        raise ValidationError({field: str(error)}) from error
    if target.address is not None:
        problem = address_problem(target.address, allow_private=allow_private)
        if problem:
            raise ValidationError({field: problem})


def redacted(url: str) -> str:
    """The URL without its query (robots' access tokens live there), for audit entries."""
    parts = urlsplit(url or "")
    return parts._replace(query="…" if parts.query else "", fragment="").geturl()


# --- resolving and calling -------------------------------------------------------------

# The longest a call may take, whatever YUNWEI_WEBHOOK_TIMEOUT_SECONDS says: far below
# the outbox lease (core/outbox.py, 5 minutes), so a delivery is never sent a second
# time by another worker while its first call is still running.
MAX_CALL_SECONDS = 60


def call_seconds() -> float:
    """The deadline of one call: resolving, connecting, sending and reading the answer."""
    seconds = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    if seconds <= 0:
        raise ImproperlyConfigured("YUNWEI_WEBHOOK_TIMEOUT_SECONDS must be positive.")
    return min(seconds, MAX_CALL_SECONDS)


def _timed_out(deadline: Deadline) -> Unreachable:
    return Unreachable(
        _("Timed out: no complete answer within %(seconds)s seconds.")
        % {"seconds": f"{deadline.seconds:g}"}
    )


def resolve(host: str, port: int, deadline: Deadline) -> list[Address]:
    """Every address of `host`, in the resolver's order, each once."""
    try:
        answers = getaddrinfo_within(deadline, host, port)
    except TimeoutError as error:
        raise _timed_out(deadline) from error
    except (OSError, UnicodeError) as error:
        raise Unreachable(
            _("Could not resolve %(host)s: %(error)s") % {"host": host, "error": error}
        ) from error
    addresses: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Unreachable(_("%(host)s has no address.") % {"host": host})
    return addresses


def checked_addresses(target: Target, *, allow_private: bool, deadline: Deadline) -> list[Address]:
    """The addresses to connect to, all of them allowed; Refused if any is not."""
    addresses = (
        [target.address]
        if target.address is not None
        else resolve(target.host, target.port, deadline)
    )
    for address in addresses:
        problem = address_problem(address, allow_private=allow_private)
        if problem:
            raise Refused(problem)
    return addresses


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes  # at most YUNWEI_WEBHOOK_MAX_RESPONSE_BYTES
    truncated: bool
    duration_ms: int
    address: str


def _pinned_url(target: Target, address: Address) -> str:
    literal = f"[{address}]" if address.version == 6 else str(address)
    return f"{target.scheme}://{literal}:{target.port}{target.path}"


def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of the body (undecoded: no decompression bomb), and whether
    there was more. Reading stops at the limit: the rest is never downloaded."""
    if response.is_stream_consumed:  # made in memory by a stub transport, not the network
        return response.content[:limit], len(response.content) > limit
    received = bytearray()
    for chunk in response.iter_raw():
        received += chunk
        if len(received) >= limit:
            length = response.headers.get("content-length", "")
            more = len(received) > limit or not length.isdigit() or int(length) > limit
            return bytes(received[:limit]), more
    return bytes(received), False


def _failure(error: httpx.HTTPError, deadline: Deadline) -> Unreachable:
    if isinstance(error, httpx.TimeoutException) or deadline.passed:
        return _timed_out(deadline)
    if isinstance(error, httpx.ConnectError):
        return Unreachable(_("Could not connect: %(error)s") % {"error": error})
    return Unreachable(str(error) or type(error).__name__)


def post(
    url: str,
    *,
    headers: dict[str, str],
    body: bytes,
    allow_private: bool,
    transport: httpx.BaseTransport | None = None,
) -> Answer:
    """POSTs `body` to `url` through the guard, all of it within call_seconds().
    Raises Refused or Unreachable. (`transport`: a stub for the tests.)"""
    target = parse(url)
    seconds = call_seconds()
    started = time.monotonic()
    deadline = Deadline(seconds)
    addresses = checked_addresses(target, allow_private=allow_private, deadline=deadline)
    headers = {**headers, "Host": target.host_header, "Accept-Encoding": "identity"}
    # TLS names the host we meant (and checks its certificate) though we dial an address.
    extensions = {"sni_hostname": target.host} if target.address is None else {}
    with httpx.Client(
        transport=transport or DeadlineTransport(DeadlineBackend(deadline)),
        timeout=httpx.Timeout(seconds),
        follow_redirects=False,
        trust_env=False,  # no proxy from the environment: it would dial the name itself
    ) as client:
        for index, address in enumerate(addresses):
            request = client.build_request(
                "POST", _pinned_url(target, address), headers=headers, content=body
            )
            request.extensions.update(extensions)
            try:
                response = client.send(request, stream=True)
            except httpx.ConnectError as error:
                if index + 1 < len(addresses) and not deadline.passed:
                    continue  # nothing was sent: the next address of the same host
                raise _failure(error, deadline) from error
            except httpx.HTTPError as error:
                raise _failure(error, deadline) from error
            try:
                content, truncated = _read_capped(response, settings.WEBHOOK_MAX_RESPONSE_BYTES)
            except httpx.HTTPError as error:
                raise _failure(error, deadline) from error
            finally:
                response.close()
            return Answer(
                status=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=content,
                truncated=truncated,
                duration_ms=int((time.monotonic() - started) * 1000),
                address=str(address),
            )
    raise Unreachable(_("No address to connect to."))
