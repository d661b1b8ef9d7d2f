"""A safe HTTP GET for pages named by people: public addresses only, one deadline, a size cap, no cookies.

The host is resolved here, every address it resolves to is checked, and the connection is made to the
checked address itself, so a second DNS answer cannot swap in a private one (DNS rebinding); TLS is
checked against the link's host name. Each redirect is checked the same way. No cookies, no proxies
(http.client never reads the *_proxy variables), no compression; one deadline covers every
connection and read of a fetch, enforced by a watchdog that cuts a socket that is still reading.
"""

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

MAX_REDIRECTS = 5
MAX_URL_LENGTH = 8192
USER_AGENT = "recovery-voice-linkcard/1 (fetches a page's title and picture for a Bluesky link card)"
CGNAT = ipaddress.ip_network("100.64.0.0/10")  # shared carrier-grade NAT space: not public, not RFC 1918
NAT64 = ipaddress.ip_network("64:ff9b::/96")
REDIRECTS = {301, 302, 303, 307, 308}


class FetchProblem(Exception):
    """A fetch that cannot go on, worded for the person who queued the post."""


# The address rule: a pure function, so that it can be tested on any address without connecting to it.

def address_refusal(address: str, *, allow_private: bool = False, allow_networks=()) -> str | None:
    """Say in words why we will not connect to `address`, or None when we may.

    Public (globally routed) addresses are allowed. `allow_private` (the config switch, for tests and
    intranets) also allows loopback, RFC 1918 / unique-local and carrier-grade NAT space; link-local
    (where cloud metadata services live), multicast, reserved and unspecified addresses are refused
    always. `allow_networks` are networks allowed even so (tests use it to reach a loopback server
    while every other private range stays refused).
    """
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    ip = _embedded_ipv4(ip) or ip  # ::ffff:10.0.0.1 reaches 10.0.0.1, so judge the address it reaches
    if any(ip in network for network in allow_networks):
        return None
    if ip.is_unspecified:
        return f"{address} is the unspecified address"
    if ip.is_multicast:
        return f"{address} is a multicast address"
    if ip.is_link_local:
        return f"{address} is a link-local address"
    if ip.is_loopback:
        return None if allow_private else f"{address} is a loopback address (this computer)"
    if ip in CGNAT:
        return None if allow_private else f"{address} is a carrier-grade NAT address, not a public one"
    if ip.is_reserved:
        return f"{address} is a reserved address"
    if ip.is_private:
        return None if allow_private else f"{address} is a private network address"
    if not ip.is_global:
        return f"{address} is not a public internet address"
    return None


def _private_only(address: str) -> bool:
    """Whether the private-address switch would allow `address`."""
    return address_refusal(address, allow_private=True) is None


def _embedded_ipv4(ip) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 address carries (mapped, NAT64 or 6to4), if any."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


@dataclass(frozen=True)
class Policy:
    """Which addresses this fetch may connect to."""

    allow_private: bool
    allow_networks: tuple

    def refusal(self, address: str) -> str | None:
        """Say why `address` is refused, or None."""
        return address_refusal(address, allow_private=self.allow_private, allow_networks=self.allow_networks)


class Deadline:
    """One deadline for the whole fetch, however many connections it takes."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left, raising FetchProblem when none are."""
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise self.problem()
        return remaining

    def passed(self) -> bool:
        """Whether the deadline has gone by."""
        return time.monotonic() >= self.end

    def problem(self) -> FetchProblem:
        """The words for a fetch that ran out of time."""
        return FetchProblem(f"the page did not answer within {self.seconds:g} s")


@dataclass(frozen=True)
class Target:
    """A checked http(s) URL, split into what the connection needs."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) form, without brackets
    port: int
    request_path: str

    @property
    def host_header(self) -> str:
        """The Host header: brackets for IPv6, the port when it is not the scheme's usual one."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse_target(url: str) -> Target:
    """Split `url`, refusing anything but a plain http(s) address."""
    if len(url) > MAX_URL_LENGTH:
        raise FetchProblem(f"the link is longer than {MAX_URL_LENGTH:,} characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchProblem("the link is not a valid web address") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchProblem("the link is not a web address (only http and https links get a card)")
    if parts.username is not None or parts.password is not None:
        raise FetchProblem("the link carries a user name or password, which are never sent")
    if not parts.hostname:
        raise FetchProblem("the link has no host name")
    scheme = parts.scheme.lower()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url=url, scheme=scheme, host=_ascii_host(parts.hostname),
                  port=port or (443 if scheme == "https" else 80),
                  request_path=quote(path, safe="/?&=%:@!$'()*+,;~-._"))  # non-ASCII made %XX, as http.client needs


def _ascii_host(hostname: str) -> str:
    """Return the host name in its ASCII (IDNA) form."""
    try:
        return hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchProblem(f"the host name {hostname!r} is not a valid internet name") from None


class SafeFetcher:
    """Opens http(s) URLs under one address policy and one deadline; each answer is a Response to read."""

    def __init__(self, policy: Policy, deadline: Deadline, tls_context: ssl.SSLContext | None = None):
        self.policy = policy
        self.deadline = deadline
        self.tls_context = tls_context or ssl.create_default_context()

    def open(self, url: str, accept: str) -> "Response":
        """Open `url`, following at most MAX_REDIRECTS redirects, each checked like the first address."""
        for _ in range(MAX_REDIRECTS + 1):
            target = parse_target(url)
            response = self._open(target, accept)
            if response.status not in REDIRECTS:
                if not 200 <= response.status < 300:
                    response.close()
                    raise FetchProblem(f"the page answered {response.status} {response.reason}".rstrip())
                return response
            location = response.header("Location")
            response.close()
            if not location:
                raise FetchProblem(f"the page answered {response.status} without saying where to go")
            url = urljoin(target.url, location.strip())
        raise FetchProblem(f"the page redirected more than {MAX_REDIRECTS} times")

    def _open(self, target: Target, accept: str) -> "Response":
        """Send one GET to `target` at an address we checked, and return the response with its headers."""
        sock = self._connect(target)
        watchdog = threading.Timer(self.deadline.left() + 0.01, _cut, args=(sock,))
        watchdog.daemon = True
        watchdog.start()
        connection = http.client.HTTPConnection(target.host, target.port)
        connection.sock = sock  # already connected to the checked address; http.client never resolves
        try:
            connection.putrequest("GET", target.request_path, skip_host=True, skip_accept_encoding=True)
            for name, value in (("Host", target.host_header), ("User-Agent", USER_AGENT), ("Accept", accept),
                                ("Accept-Encoding", "identity"), ("Connection", "close")):
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            if self.deadline.passed():  # headers cut short by the watchdog end early but look whole
                raise TimeoutError
        except (OSError, http.client.HTTPException, ValueError) as error:
            watchdog.cancel()
            connection.close()
            sock.close()
            raise self.deadline.problem() if self.deadline.passed() else _network_problem(target, error) from None
        return Response(response, connection, sock, watchdog, target.url, self.deadline)

    def _connect(self, target: Target) -> socket.socket:
        """Resolve the host, refuse it unless every address passes, then connect to one of those addresses."""
        addresses = self._resolve(target)
        refusals = [reason for reason in map(self.policy.refusal, addresses) if reason]
        if refusals:
            hint = "" if self.policy.allow_private or not all(map(_private_only, addresses)) else \
                " (for an intranet, set [linkcards] allow_private_addresses = true)"
            raise FetchProblem(f"{target.host} is not a public address: {refusals[0]}; pages are fetched "
                               f"from public addresses only{hint}")
        for address in addresses:
            try:
                sock = socket.create_connection((address, target.port), timeout=self.deadline.left())
            except OSError:
                continue
            return self._secure(sock, target) if target.scheme == "https" else sock
        raise self.deadline.problem() if self.deadline.passed() else FetchProblem(
            f"the site {target.host} did not accept a connection")

    def _resolve(self, target: Target) -> list[str]:
        """Look up the host's addresses, within the deadline (getaddrinfo has no timeout of its own)."""
        try:
            return [str(ipaddress.ip_address(target.host))]
        except ValueError:
            pass
        answer: list = []
        lookup = threading.Thread(target=_getaddrinfo, args=(target.host, target.port, answer), daemon=True)
        lookup.start()
        lookup.join(self.deadline.left())
        if not answer:
            raise self.deadline.problem()
        if isinstance(answer[0], Exception) or not answer[0]:
            raise FetchProblem(f"the address {target.host} could not be found")
        return answer[0]

    def _secure(self, sock: socket.socket, target: Target) -> ssl.SSLSocket:
        """Start TLS on `sock`, checking the certificate against the link's host name, not the address."""
        try:
            sock.settimeout(self.deadline.left())
            return self.tls_context.wrap_socket(sock, server_hostname=target.host)
        except ssl.SSLCertVerificationError as error:
            sock.close()
            raise FetchProblem(f"the site {target.host}'s security certificate is not valid "
                               f"({error.verify_message})") from None
        except (OSError, FetchProblem):
            sock.close()
            if self.deadline.passed():
                raise self.deadline.problem() from None
            raise FetchProblem(f"the site {target.host} could not start a secure connection") from None

class Response:
    """An HTTP answer whose body is read in chunks under the fetch's deadline; close it when done."""

    def __init__(self, response: http.client.HTTPResponse, connection, sock, watchdog: threading.Timer,
                 url: str, deadline: Deadline):
        self.raw = response
        self.connection = connection
        self.sock = sock  # kept here: http.client lets go of it once a "Connection: close" answer starts
        self.watchdog = watchdog
        self.url = url  # after redirects
        self.deadline = deadline
        self.status = response.status
        self.reason = response.reason
        self.read_bytes = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def header(self, name: str, default=None):
        """Return one response header."""
        return self.raw.getheader(name, default)

    def content_type(self) -> tuple[str, str | None]:
        """Return the answer's media type (lowercase) and its charset, if stated."""
        kind, _, params = self.header("Content-Type", "").partition(";")
        charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.IGNORECASE)
        return kind.strip().lower(), charset.group(1) if charset else None

    def chunks(self, limit: int):
        """Yield body chunks as they arrive, until the body ends or `limit` bytes in all are read."""
        while self.read_bytes < limit:
            try:
                self.sock.settimeout(self.deadline.left())
                chunk = self.raw.read1(min(65536, limit - self.read_bytes))  # whatever has arrived, not a full 64 KB
            except (OSError, http.client.HTTPException, ValueError):
                if self.deadline.passed():
                    raise self.deadline.problem() from None
                raise FetchProblem("the site stopped answering part way through") from None
            if not chunk:
                if self.deadline.passed():
                    raise self.deadline.problem()
                return
            self.read_bytes += len(chunk)
            yield chunk

    def read(self, limit: int) -> tuple[bytes, bool]:
        """Read at most `limit` bytes of the body; say whether that was all of it."""
        length = self.header("Content-Length")
        if length and length.strip().isdigit() and int(length) > limit:
            return b"", False  # refused before reading a byte
        data = b"".join(self.chunks(limit + 1))
        return data[:limit], len(data) <= limit

    def close(self) -> None:
        """Close the connection and stop its watchdog."""
        self.watchdog.cancel()
        self.raw.close()
        self.connection.close()
        self.sock.close()


def _cut(sock: socket.socket) -> None:
    """Shut the socket down so a read blocked past the deadline returns at once."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's own, also under TLS
    except OSError:
        pass


def _getaddrinfo(host: str, port: int, answer: list) -> None:
    """Resolve `host` into `answer` (a list, so that a thread can hand it back)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        answer.append(list(dict.fromkeys(info[4][0] for info in infos)))
    except (OSError, UnicodeError) as error:
        answer.append(error)


def _network_problem(target: Target, error: Exception) -> FetchProblem:
    """Word a failed request for a person."""
    if isinstance(error, http.client.HTTPException):
        return FetchProblem(f"the site {target.host} did not answer in HTTP")
    return FetchProblem(f"the site {target.host} stopped answering")
