"""Behind an HTTPS proxy: `serve` believes the proxy's forwarding headers, and only the proxy's."""

import http.client
import os
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest

from recovery_voice.web.throttle import ADDRESS_MAX_FAILURES
from web_fixtures import PASSWORD, PEOPLE, csrf_from, make_people
from test_web import free_port

SITE = "rv.example.org"


@pytest.fixture
def database_url(tmp_path):
    """One SQLite file: what is under test is waitress, not the database."""
    return f"sqlite:///{tmp_path / 'rv.db'}"


@pytest.fixture
def served(project, sessions):
    """Run `recovery-voice serve --no-worker` as a deployment behind a proxy on this machine would."""
    make_people(sessions)
    port = free_port()
    env = {**os.environ, "RECOVERY_VOICE_SECRET_KEY": "proxy test secret", "RECOVERY_VOICE_BEHIND_PROXY": "1"}
    env.pop("RECOVERY_VOICE_TRUSTED_PROXY", None)  # the default, 127.0.0.1, is the proxy
    server = subprocess.Popen(
        [sys.executable, "-m", "recovery_voice", "serve", "--no-worker", "--port", str(port),
         "--config", str(project.config_path)],
        cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/health")
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.communicate(timeout=20)


class Browser:
    """One person's browser reaching the app through the proxy (or, with `via`, from another address)."""

    def __init__(self, port: int, client_address: str, via: str = "127.0.0.1"):
        self.port, self.client_address, self.via, self.cookie = port, client_address, via, None

    def send(self, method: str, path: str, form: dict | None = None):
        """Send one request with the headers an nginx in front adds, keeping the session cookie."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.via, 0))
        headers = {"Host": SITE, "X-Forwarded-For": self.client_address, "X-Forwarded-Proto": "https",
                   "X-Forwarded-Host": SITE, "Referer": f"https://{SITE}/login"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if form is not None:
            body, headers["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.text = answer.read().decode()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            if cookie.startswith("rv_session="):
                self.cookie, answer.session_cookie = cookie.split(";")[0], cookie
        connection.close()
        return answer

    def sign_in(self, email: str, password: str):
        """Fill in the sign-in form."""
        token = csrf_from(self.send("GET", "/login").text)
        return self.send("POST", "/login", {"email": email, "password": password, "csrf_token": token})


def test_behind_a_proxy_cookies_are_secure_and_hsts_is_sent(served):
    browser = Browser(served, "203.0.113.5")
    page = browser.send("GET", "/login")
    assert page.status == 200 and page.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "; Secure" in page.session_cookie and "HttpOnly" in page.session_cookie
    signed_in = browser.sign_in(PEOPLE["admin"], PASSWORD)
    assert signed_in.status == 302 and "; Secure" in signed_in.session_cookie
    assert browser.send("GET", "/users").status == 200


@pytest.mark.slow  # the address limit is high (one person's mistakes must not pause an office): many sign-ins
def test_behind_a_proxy_wrong_passwords_from_one_client_do_not_lock_out_another(served):
    sprayer = Browser(served, "203.0.113.5")
    for number in range(ADDRESS_MAX_FAILURES):  # one guess per email: only the address's own limit is reached
        assert sprayer.sign_in(f"person{number}@example.org", "Summer2024!").status == 200
    assert sprayer.sign_in(PEOPLE["admin"], PASSWORD).status == 429
    assert Browser(served, "198.51.100.7").sign_in(PEOPLE["admin"], PASSWORD).status == 302


@pytest.mark.slow
def test_forwarding_headers_from_anyone_but_the_proxy_are_not_believed(served):
    sprayer = Browser(served, "203.0.113.5")
    for number in range(ADDRESS_MAX_FAILURES):
        sprayer.sign_in(f"person{number}@example.org", "Summer2024!")
    # Straight to the app from 127.0.0.2, claiming to be the paused client: it is judged by its own address.
    direct = Browser(served, "203.0.113.5", via="127.0.0.2")
    assert direct.sign_in(PEOPLE["admin"], PASSWORD).status == 302
    # And claiming another client's address does not escape the pause of the proxy's own address.
    for number in range(ADDRESS_MAX_FAILURES):
        Browser(served, f"192.0.2.{number}", via="127.0.0.2").sign_in(f"p{number}@example.org", "Summer2024!")
    assert Browser(served, "192.0.2.99", via="127.0.0.2").sign_in(PEOPLE["admin"], PASSWORD).status == 429
