"""The outbound guard with a stubbed resolver and connection layer: nothing here leaves
the process. Every class of non-public address is refused (also inside IPv6 and in odd
spellings), the call goes to the very address that was checked, and redirects, slow
and huge answers are handled."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.exceptions import ValidationError

from yunwei.webhooks import guard


class Resolver:
    """Stands in for socket.getaddrinfo: answers from a table, counting questions."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []

    def __call__(self, host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        self.questions.append(host)
        addresses = self.answers[min(len(self.questions), len(self.answers)) - 1]
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]


class Wire:
    """Stands in for the network: records each request, answers with `reply`."""

    def __init__(self, reply: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.reply = reply or (lambda request: httpx.Response(200, text="ok"))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


@pytest.fixture
def resolve(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(*answers: list[str]) -> Resolver:
        resolver = Resolver(*answers)
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        return resolver

    return install


def post(url: str, wire: Wire, *, allow_private: bool = False) -> guard.Answer:
    return guard.post(
        url,
        headers={"X-Test": "1"},
        body=b"{}",
        allow_private=allow_private,
        transport=wire.transport,
    )


REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),  # noqa: S104
    ("0.1.2.3", "unspecified"),
    ("::", "unspecified"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("10.1.2.3", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("100.64.0.1", "shared (carrier-grade NAT)"),
    ("100.127.255.254", "shared (carrier-grade NAT)"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.1", "benchmarking"),
    ("2001:2::1", "benchmarking"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.2", "documentation"),
    ("203.0.113.3", "documentation"),
    ("2001:db8::1", "documentation"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "multicast or broadcast"),
    ("224.0.0.1", "multicast or broadcast"),
    ("239.255.255.250", "multicast or broadcast"),
    ("ff02::1", "multicast or broadcast"),
    # IPv4 inside IPv6: judged by the IPv4 address the traffic really reaches.
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("::127.0.0.1", "loopback"),  # IPv4-compatible
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
    ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("64:ff9b:1::1", "private"),  # local-use NAT64
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
    # Cloud metadata services and special-purpose blocks (some global to Python 3.11.7).
    ("100.100.100.200", "cloud metadata"),  # Alibaba Cloud
    ("fd00:ec2::254", "cloud metadata"),  # AWS over IPv6
    ("64:ff9b::6464:64c8", "cloud metadata"),  # NAT64 of 100.100.100.200
    ("192.0.0.8", "special-purpose"),
    ("192.0.0.192", "special-purpose"),  # Oracle Cloud's legacy metadata
    ("192.0.0.170", "special-purpose"),
    ("192.88.99.1", "special-purpose"),  # former 6to4 relays
]

# Never opened by "allow private network", only by YUNWEI_WEBHOOK_ALLOWED_NETWORKS.
ALWAYS_DENIED = [
    "100.100.100.200",
    "fd00:ec2::254",
    "::ffff:100.100.100.200",
    "192.0.0.8",
    "192.0.0.192",
    "192.88.99.1",
    "169.254.169.254",
    "169.254.0.1",
    "fe80::a9fe:a9fe",
]


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_a_host_resolving_to_a_non_public_address_is_refused(
    resolve: Any, address: str, kind: str
) -> None:
    resolve([address])
    wire = Wire()
    with pytest.raises(guard.Refused) as refused:
        post("https://hooks.example.com/in", wire)
    assert f"is a {kind} address" in str(refused.value)
    assert wire.requests == []


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_an_ip_address_in_the_url_is_refused_when_saved(address: str, kind: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(ValidationError) as invalid:
        guard.validate_url(f"http://{host}/in", allow_private=False)
    assert f"is a {kind} address" in invalid.value.message_dict["url"][0]


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"]
)
def test_public_addresses_are_called(resolve: Any, address: str) -> None:
    resolve([address])
    wire = Wire()
    assert post("https://hooks.example.com/in", wire).status == 200
    assert len(wire.requests) == 1


def test_the_call_goes_to_the_checked_address_with_the_name_in_host_and_sni(
    resolve: Any,
) -> None:
    resolver = resolve(["93.184.216.34"])
    wire = Wire()
    answer = post("https://Hooks.Example.com:8443/in/path?x=1&y=2", wire)
    (request,) = wire.requests
    assert resolver.questions == ["hooks.example.com"]
    assert str(request.url) == "https://93.184.216.34:8443/in/path?x=1&y=2"
    assert request.headers["host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    assert request.headers["x-test"] == "1"
    assert request.content == b"{}"
    assert answer.address == "93.184.216.34"


def test_an_ipv6_answer_is_dialled_as_a_literal(resolve: Any) -> None:
    resolve(["2606:4700:4700::1111"])
    wire = Wire()
    post("http://hooks.example.com/in", wire)
    assert str(wire.requests[0].url) == "http://[2606:4700:4700::1111]/in"
    assert wire.requests[0].headers["host"] == "hooks.example.com"


def test_one_bad_address_among_good_ones_refuses_the_host(resolve: Any) -> None:
    resolve(["93.184.216.34", "127.0.0.1"])
    wire = Wire()
    with pytest.raises(guard.Refused, match=r"127\.0\.0\.1 is a loopback address"):
        post("https://hooks.example.com/in", wire)
    assert wire.requests == []


def test_dns_rebinding_gets_no_second_lookup(resolve: Any) -> None:
    """A resolver that answers public first and loopback afterwards: the host is looked
    up once, and the call goes to the public address that was checked."""
    resolver = resolve(["93.184.216.34"], ["127.0.0.1"])
    wire = Wire()
    post("https://rebind.example.com/in", wire)
    assert resolver.questions == ["rebind.example.com"]
    assert [request.url.host for request in wire.requests] == ["93.184.216.34"]


def test_when_the_first_address_refuses_the_connection_the_next_is_tried(
    resolve: Any,
) -> None:
    resolve(["2606:4700:4700::1111", "93.184.216.34"])

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.host == "2606:4700:4700::1111":
            raise httpx.ConnectError("network unreachable")
        return httpx.Response(204)

    wire = Wire(reply)
    assert post("https://hooks.example.com/in", wire).status == 204
    assert [r.url.host for r in wire.requests] == ["2606:4700:4700::1111", "93.184.216.34"]


def test_private_addresses_pass_when_the_webhook_allows_them(resolve: Any) -> None:
    for address in ("10.1.2.3", "127.0.0.1", "100.64.0.1", "fd00::5", "::ffff:192.168.0.9"):
        resolve([address])
        assert post("http://intranet.example/in", Wire(), allow_private=True).status == 200


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "0.0.0.0", "224.0.0.1", "192.0.2.1"],  # noqa: S104
)
def test_metadata_unspecified_multicast_and_documentation_stay_refused_even_then(
    resolve: Any, address: str
) -> None:
    resolve([address])
    with pytest.raises(guard.Refused):
        post("http://intranet.example/in", Wire(), allow_private=True)


@pytest.mark.parametrize("address", ALWAYS_DENIED)
def test_allowing_private_networks_does_not_open_metadata_or_special_addresses(
    resolve: Any, address: str
) -> None:
    resolve([address])
    wire = Wire()
    with pytest.raises(guard.Refused):
        post("http://intranet.example/in", wire, allow_private=True)
    assert wire.requests == []
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(ValidationError):
        guard.validate_url(f"http://{host}/in", allow_private=True)


def test_the_allowed_networks_setting_can_open_them(resolve: Any, settings: Any) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = ["100.100.100.200/32", "192.0.0.0/24", "fd00:ec2::/64"]
    for address in ("100.100.100.200", "192.0.0.192", "fd00:ec2::254"):
        resolve([address])
        assert post("http://metadata.internal/in", Wire()).status == 200


def test_allowed_networks_open_exactly_those_networks(resolve: Any, settings: Any) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16", "fd00:1::/64"]
    for address in ("10.20.3.4", "fd00:1::9", "::ffff:10.20.3.4"):
        resolve([address])
        assert post("http://intranet.example/in", Wire()).status == 200
    resolve(["10.21.0.1"])
    with pytest.raises(guard.Refused):
        post("http://intranet.example/in", Wire())


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/in",  # decimal
        "http://0177.0.0.1/in",  # octal
        "http://0x7f.0.0.1/in",  # hex
        "http://0x7f000001/in",
        "http://127.1/in",  # short
        "http://10.1/in",
        "http://017700000001/in",
        "http://8.8.8.010/in",  # a leading zero: octal to some parsers
    ],
)
def test_odd_spellings_of_ipv4_are_refused_before_any_lookup(resolve: Any, url: str) -> None:
    resolver = resolve(["93.184.216.34"])
    with pytest.raises(guard.Refused, match="unusual way of writing an IPv4 address"):
        post(url, Wire())
    with pytest.raises(ValidationError, match="unusual way"):
        guard.validate_url(url, allow_private=True)
    assert resolver.questions == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/in", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("gopher://hooks.example.com/", "Only http:// and https://"),
        ("https://user:pw@hooks.example.com/in", "no user name or password"),
        ("http://localhost:8000/in", "“localhost” is this machine"),
        ("http://api.localhost/in", "“localhost” is this machine"),
        ("http:///in", "The URL has no host"),
        ("http://hooks.example.com:99999/in", "malformed"),
        ("http://bad host.example.com/in", "not a valid host name"),
        ("http://[fe80::1%25eth0]/in", "zone index"),
        ("", "Only http:// and https://"),
    ],
)
def test_urls_that_cannot_be_webhooks_are_refused_with_the_reason(url: str, message: str) -> None:
    with pytest.raises(ValidationError) as invalid:
        guard.validate_url(url, allow_private=True)
    assert message in invalid.value.message_dict["url"][0]


def test_a_redirect_is_returned_not_followed(resolve: Any) -> None:
    resolve(["93.184.216.34"])
    wire = Wire(lambda request: httpx.Response(302, headers={"Location": "http://127.0.0.1/"}))
    answer = post("https://hooks.example.com/in", wire)
    assert answer.status == 302
    assert len(wire.requests) == 1


def test_a_huge_answer_is_read_only_up_to_the_cap(resolve: Any, settings: Any) -> None:
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 4096
    pulled: list[int] = []

    class Endless(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for index in range(10_000):
                pulled.append(index)
                yield b"x" * 1024

    resolve(["93.184.216.34"])
    answer = post(
        "https://hooks.example.com/in", Wire(lambda r: httpx.Response(200, stream=Endless()))
    )
    assert answer.body == b"x" * 4096
    assert answer.truncated is True
    assert len(pulled) == 4  # the rest was never read


def test_a_time_out_is_unreachable_and_worth_retrying(resolve: Any) -> None:
    resolve(["93.184.216.34"])

    def reply(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(guard.Unreachable, match="Timed out") as failed:
        post("https://hooks.example.com/in", Wire(reply))
    assert failed.value.permanent is False


def test_a_name_that_does_not_resolve_is_worth_retrying(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(guard.Unreachable, match=r"Could not resolve hooks\.example\.com"):
        post("https://hooks.example.com/in", Wire())


def test_audit_entries_get_urls_without_their_tokens() -> None:
    assert (
        guard.redacted("https://oapi.dingtalk.com/robot/send?access_token=abc")
        == "https://oapi.dingtalk.com/robot/send?…"
    )
    assert guard.redacted("https://hooks.example.com/in") == "https://hooks.example.com/in"
