"""The link-card fetcher, against loopback web servers: cards from Open Graph tags, and every refusal.

No test may send traffic beyond this computer: an audit hook refuses any connection to an address
outside 127.0.0.0/8 and ::1 while these tests run, so a fetcher that forgot a check fails loudly
instead of reaching 10.0.0.1 or 169.254.169.254. The address rule itself is a pure function, tested
on many addresses (public ones too) without connecting to any of them.
"""

import io
import ipaddress
import ssl
import struct
import sys
import threading
import time
import zlib
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from recovery_voice.config import ConfigError, parse_config
from recovery_voice.linkcard import fetch_card
from recovery_voice.safefetch import address_refusal

LOOPBACK_ONLY = threading.Event()  # set while a test here runs


def _loopback_tripwire(event, args):
    """Refuse, during these tests, any connection to an address that is not this computer."""
    if event == "socket.connect" and LOOPBACK_ONLY.is_set() and isinstance(args[1], tuple):
        host = str(args[1][0]).split("%")[0]
        if not ipaddress.ip_address(host).is_loopback:
            raise RuntimeError(f"test tried to connect to {host}, outside this computer")


sys.addaudithook(_loopback_tripwire)


@pytest.fixture(autouse=True)
def loopback_only():
    LOOPBACK_ONLY.set()
    yield
    LOOPBACK_ONLY.clear()


def png(width=2, height=2) -> bytes:
    """A small, valid RGB PNG, written by hand."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


OG_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Fallback title</title>
<meta property="og:title" content="Tuesday recovery caf&eacute;">
<meta property="og:description" content="  Tea, toast and
   company, every Tuesday from 10.  ">
<meta property="og:image" content="/flyer.png">
</head><body><p>Welcome</p></body></html>"""


class Site:
    """A loopback web server whose paths answer as each test needs, recording each request's headers."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.routes = {}
        self.requests = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append((self.path, dict(self.headers)))
                answer = site.routes.get(self.path.split("?")[0])
                if answer is None:
                    self.send_error(404)
                else:
                    try:
                        answer(self)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the fetcher hung up, as it should at a cap or deadline

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path="/", host="127.0.0.1", scheme="http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def page(self, path, body, content_type="text/html; charset=utf-8", status=200, headers=()):
        data = body.encode() if isinstance(body, str) else body

        def answer(handler):
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        self.routes[path] = answer

    def redirect(self, path, location, status=302, headers=()):
        self.page(path, "", status=status, headers=(("Location", location), *headers))

    def stream(self, path, start: bytes, piece: bytes, pause: float, seconds: float, headers_only=False):
        """Answer with `start`, then `piece` every `pause` seconds for `seconds` (in the headers, or the body)."""
        def answer(handler):
            handler.wfile.write(b"HTTP/1.1 200 OK\r\n" if headers_only else
                                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + start)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                handler.wfile.write(piece)
                handler.wfile.flush()
                time.sleep(pause)
        self.routes[path] = answer

    def paths(self):
        return [path for path, _ in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    server = Site()
    yield server
    server.close()


def test_the_tripwire_refuses_connections_beyond_this_computer_while_these_tests_run():
    with pytest.raises(RuntimeError, match="outside this computer"):
        _loopback_tripwire("socket.connect", (None, ("10.0.0.1", 80)))  # called directly: nothing is sent
    _loopback_tripwire("socket.connect", (None, ("127.0.0.1", 80)))
    _loopback_tripwire("socket.connect", (None, ("::1", 80, 0, 0)))


# The address rule, on its own.

@pytest.mark.parametrize("address, words", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("172.16.0.1", "private"), ("172.31.255.254", "private"),
    ("192.168.1.1", "private"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.254", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a00:1", "private"), ("2002:c0a8:101::1", "private"),
    ("192.0.2.1", "private"), ("198.18.0.1", "private"), ("2001:db8::1", "private"),
    ("not-an-address", "not an IP address"),
])
def test_the_address_check_refuses_every_range_that_is_not_public(address, words):
    refusal = address_refusal(address)
    assert refusal and words in refusal


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111",
                                     "::ffff:93.184.216.34", "100.63.255.255", "100.128.0.1", "172.32.0.1"])
def test_the_address_check_allows_public_addresses_which_no_test_connects_to(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.0.0.1", "192.168.1.1", "fd00::1", "100.64.0.1",
                                     "::ffff:192.168.0.1"])
def test_the_private_switch_allows_loopback_and_private_networks(address):
    assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.1", "240.0.0.1",
                                     "::ffff:169.254.169.254"])
def test_the_private_switch_still_refuses_link_local_multicast_reserved_and_unspecified(address):
    assert address_refusal(address, allow_private=True) is not None


def test_allowed_networks_open_one_range_and_leave_the_others_closed():
    allowed = [ipaddress.ip_network("127.0.0.0/8")]
    assert address_refusal("127.0.0.1", allow_networks=allowed) is None
    assert address_refusal("::ffff:127.0.0.1", allow_networks=allowed) is None
    assert "private" in address_refusal("10.0.0.1", allow_networks=allowed)
    assert "loopback" in address_refusal("::1", allow_networks=allowed)


# Cards from loopback pages (the private-address switch on).

def test_a_page_with_open_graph_tags_gives_a_card_with_title_description_and_thumbnail(site):
    site.page("/event", OG_PAGE)
    site.page("/flyer.png", png(), content_type="image/png")
    result = fetch_card(site.url("/event"), allow_private=True)
    assert result.problem is None
    card = result.card
    assert card.uri == site.url("/event")
    assert card.title == "Tuesday recovery café"
    assert card.description == "Tea, toast and company, every Tuesday from 10."
    assert card.image_url == site.url("/flyer.png")
    assert card.thumb == png() and card.thumb_mime == "image/png" and card.thumb_problem is None
    assert site.paths() == ["/event", "/flyer.png"]


def test_a_page_without_open_graph_tags_falls_back_to_its_title_and_meta_description(site):
    site.page("/plain", "<html><head><title> Our  walks </title>"
                        '<meta name="description" content="Saturday walks for everyone"></head><body></body></html>')
    card = fetch_card(site.url("/plain"), allow_private=True).card
    assert (card.title, card.description, card.image_url, card.thumb) == (
        "Our walks", "Saturday walks for everyone", None, None)


def test_a_page_in_another_charset_is_read_in_that_charset(site):
    site.page("/latin", '<html><head><title>Caf\xe9 news</title></head></html>'.encode("latin-1"),
              content_type="text/html; charset=iso-8859-1")
    assert fetch_card(site.url("/latin"), allow_private=True).card.title == "Café news"


def test_a_page_with_neither_title_nor_description_keeps_a_plain_link(site):
    site.page("/bare", "<html><head></head><body><h1>Hello</h1></body></html>")
    result = fetch_card(site.url("/bare"), allow_private=True)
    assert result.card is None
    assert result.problem == "the page has no title or description to show on a card; the post will show a plain link"


def test_a_thumbnail_over_1_000_000_bytes_is_left_out_with_a_note(site):
    site.page("/event", OG_PAGE)
    site.page("/flyer.png", png() + b"\0" * 1_000_000, content_type="image/png")
    card = fetch_card(site.url("/event"), allow_private=True).card
    assert card.title == "Tuesday recovery café" and card.thumb is None
    assert card.thumb_problem == "the page's picture is left out: it is larger than 1,000,000 bytes"


def photo_with_gps() -> bytes:
    """A JPEG photo made here with GPS EXIF in it, as a page's picture might carry."""
    from PIL import Image

    image = Image.new("RGB", (1200, 800), (90, 140, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def test_with_a_media_folder_the_thumbnail_is_stored_without_its_metadata_and_fitted(site, tmp_path):
    pytest.importorskip("PIL")
    from PIL import Image

    original = photo_with_gps()
    assert b"PhoneMaker" in original
    site.page("/event", OG_PAGE.replace("/flyer.png", "/walk.jpg"))
    site.page("/walk.jpg", original, content_type="image/jpeg")
    card = fetch_card(site.url("/event"), allow_private=True, media_dir=tmp_path / "media").card
    assert card.thumb_mime == "image/jpeg" and len(card.thumb) <= 1_000_000 and card.thumb_problem is None
    assert b"PhoneMaker" not in card.thumb
    with Image.open(io.BytesIO(card.thumb)) as thumb:
        assert thumb.size == (1200, 800) and not thumb.getexif()


def test_with_a_media_folder_a_truncated_picture_is_left_out_with_the_reason(site, tmp_path):
    pytest.importorskip("PIL")
    site.page("/event", OG_PAGE)
    site.page("/flyer.png", png()[:40], content_type="image/png")
    card = fetch_card(site.url("/event"), allow_private=True, media_dir=tmp_path / "media").card
    assert card.thumb is None and card.thumb_problem.startswith("the page's picture is left out: ")


def test_a_thumbnail_that_is_not_the_image_it_claims_is_left_out(site):
    site.page("/event", OG_PAGE)
    site.page("/flyer.png", b"<html>not a picture</html>", content_type="image/png")
    card = fetch_card(site.url("/event"), allow_private=True).card
    assert card.thumb is None and "not the image/png image" in card.thumb_problem


def test_redirects_are_followed_and_the_card_keeps_the_link_as_written(site):
    site.redirect("/short", "/middle", status=301)
    site.redirect("/middle", site.url("/event"), status=307)
    site.page("/event", OG_PAGE)
    site.page("/flyer.png", png(), content_type="image/png")
    card = fetch_card(site.url("/short"), allow_private=True).card
    assert card.uri == site.url("/short") and card.title == "Tuesday recovery café"
    assert site.paths() == ["/short", "/middle", "/event", "/flyer.png"]


def test_more_than_five_redirects_keep_a_plain_link(site):
    for n in range(7):
        site.redirect(f"/r{n}", f"/r{n + 1}")
    result = fetch_card(site.url("/r0"), allow_private=True)
    assert result.problem == "the page redirected more than 5 times; the post will show a plain link"
    assert len(site.requests) == 6


def test_cookies_the_site_sets_are_never_sent_back(site):
    site.redirect("/in", "/event", headers=(("Set-Cookie", "session=abc; Path=/"),))
    site.page("/event", OG_PAGE, headers=(("Set-Cookie", "tracker=xyz; Path=/"),))
    site.page("/flyer.png", png(), content_type="image/png")
    assert fetch_card(site.url("/in"), allow_private=True).card.thumb == png()
    assert len(site.requests) == 3
    for _, headers in site.requests:
        assert "Cookie" not in headers and headers["Accept-Encoding"] == "identity"


# Plain links, with the reason in words.

def test_a_non_html_answer_keeps_a_plain_link(site):
    site.page("/report.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    result = fetch_card(site.url("/report.pdf"), allow_private=True)
    assert result.card is None
    assert result.problem == "the link is not a web page (it is application/pdf); the post will show a plain link"


def test_an_error_status_keeps_a_plain_link(site):
    result = fetch_card(site.url("/gone"), allow_private=True)
    assert result.problem == "the page answered 404 Not Found; the post will show a plain link"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)",
                                 "http://user:secret@127.0.0.1/", "http:///nohost", "http://127.0.0.1:99999/"])
def test_links_that_are_not_plain_web_addresses_are_not_fetched(url):
    result = fetch_card(url, allow_private=True)
    assert result.card is None and result.problem.endswith("; the post will show a plain link")


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_a_slow_page_trickling_bytes_stops_at_the_deadline(site, in_headers):
    site.stream("/slow", b"<html><head>", b"<!-- -->" if not in_headers else b"X-Slow: a\r\n",
                pause=0.05, seconds=10, headers_only=in_headers)
    started = time.monotonic()
    result = fetch_card(site.url("/slow"), allow_private=True, timeout=1.0)
    assert time.monotonic() - started < 1.5
    assert result.problem == "the page did not answer within 1 s; the post will show a plain link"


def test_an_endless_page_stops_at_the_size_cap_long_before_the_deadline(site):
    site.stream("/endless", b"<html><head><title>Endless</title>", b"<meta name=x content=y>" * 1000,
                pause=0, seconds=30)
    started = time.monotonic()
    result = fetch_card(site.url("/endless"), allow_private=True, timeout=20)
    assert time.monotonic() - started < 5
    assert result.card.title == "Endless"


def test_a_3_mb_page_is_read_only_up_to_the_2_mb_cap(site):
    site.page("/big", "<html><head>" + "<!-- filler -->" * 200_000 + "<title>Too far down</title></head></html>")
    result = fetch_card(site.url("/big"), allow_private=True)
    assert result.problem == ("the page has no title or description within its first 2,000,000 bytes to show "
                              "on a card; the post will show a plain link")


# Refusals with the private-address switch off (the default).

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]"])
def test_loopback_is_refused_with_the_switch_off_before_any_request(site, host):
    site.page("/event", OG_PAGE)
    result = fetch_card(site.url("/event", host=host))
    assert result.card is None
    assert "is not a public address" in result.problem and "loopback" in result.problem
    assert "allow_private_addresses = true" in result.problem
    assert site.requests == []


@pytest.mark.parametrize("location", ["http://10.0.0.1:{port}/event", "http://192.168.1.1/", "http://[fd00::1]/",
                                      "http://[::ffff:10.0.0.1]/", "http://169.254.169.254/latest/meta-data/",
                                      "http://100.64.0.1/", "http://0.0.0.0:{port}/event"])
def test_a_redirect_to_a_private_address_is_refused_with_the_switch_off(site, location):
    # The switch is off; only 127.0.0.0/8 is opened, so that the first page can be on this computer.
    site.redirect("/out", location.format(port=site.port))
    site.page("/event", OG_PAGE)
    result = fetch_card(site.url("/out"), allow_networks=["127.0.0.0/8"])
    assert result.card is None and "is not a public address" in result.problem
    assert site.paths() == ["/out"]


def test_a_redirect_to_an_opened_address_is_followed_with_the_switch_off(site):
    site.redirect("/out", site.url("/event"))
    site.page("/event", "<html><head><title>Allowed</title></head></html>")
    assert fetch_card(site.url("/out"), allow_networks=["127.0.0.0/8"]).card.title == "Allowed"


def test_a_redirect_to_cloud_metadata_is_refused_even_with_the_switch_on(site):
    site.redirect("/out", "http://169.254.169.254/latest/meta-data/")
    result = fetch_card(site.url("/out"), allow_private=True)
    assert "169.254.169.254 is a link-local address" in result.problem
    assert "allow_private_addresses" not in result.problem


def test_a_picture_on_a_private_address_is_refused_with_the_switch_off(site):
    site.page("/event", OG_PAGE.replace("/flyer.png", "http://192.168.0.10/flyer.png"))
    card = fetch_card(site.url("/event"), allow_networks=["127.0.0.0/8"]).card
    assert card.title == "Tuesday recovery café" and card.thumb is None
    assert "192.168.0.10 is a private network address" in card.thumb_problem


# TLS: the connection goes to the checked address, the certificate is checked against the link's name.

def _certificates(tmp_path):
    """A throwaway certificate authority and a certificate for localhost only, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def certificate(subject, issuer, key, signer, ca):
        now = datetime.now(timezone.utc)
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
                   .not_valid_after(now + timedelta(hours=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                                        critical=False)
        if ca:
            return builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                         critical=True).sign(signer, hashes.SHA256())
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        return builder.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                                     critical=False).sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = certificate(ca_name, ca_name, ca_key, ca_key, True)
    leaf = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]), ca_name, key, ca_key, False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return tmp_path / "ca.pem", tmp_path / "leaf.pem"


def test_https_is_checked_against_the_link_s_host_name_while_connecting_to_the_checked_address(tmp_path):
    ca_file, leaf_file = _certificates(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(leaf_file)
    secure = Site(tls=server_tls)
    try:
        secure.page("/event", "<html><head><title>Secure page</title></head></html>")
        trusting = ssl.create_default_context(cafile=str(ca_file))
        card = fetch_card(secure.url("/event", host="localhost", scheme="https"), allow_private=True,
                          tls_context=trusting).card
        assert card.title == "Secure page"
        assert secure.requests[0][1]["Host"] == f"localhost:{secure.port}"
        wrong_name = fetch_card(secure.url("/event", scheme="https"), allow_private=True, tls_context=trusting)
        assert "security certificate is not valid" in wrong_name.problem
        untrusted = fetch_card(secure.url("/event", host="localhost", scheme="https"), allow_private=True)
        assert "security certificate is not valid" in untrusted.problem
    finally:
        secure.close()


# The config switch.

def test_the_linkcards_config_defaults_to_on_with_public_pages_only():
    assert parse_config({}, None).linkcards.enabled is True
    assert parse_config({}, None).linkcards.allow_private_addresses is False
    switched = parse_config({"linkcards": {"allow_private_addresses": True, "enabled": False}}, None).linkcards
    assert (switched.enabled, switched.allow_private_addresses) == (False, True)


@pytest.mark.parametrize("table, words", [
    ({"allow_private_addresses": "yes"}, "allow_private_addresses must be true or false"),
    ({"enabled": 1}, "enabled must be true or false"),
    ({"allow_private": True}, "unknown key 'allow_private'"),
])
def test_a_wrong_linkcards_setting_is_refused_naming_the_key(tmp_path, table, words):
    with pytest.raises(ConfigError, match=words):
        parse_config({"linkcards": table}, tmp_path / "config.toml")
