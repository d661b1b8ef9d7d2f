"""Email settings in config.toml, the `email test` command, console mode and people's email choices."""

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from recovery_voice import emails
from recovery_voice.config import ConfigError, parse_config

from conftest import sqlite_only
from smtpserver import SMTPServer, free_port

pytestmark = [sqlite_only,
              pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")]


def email_config(**table):
    """Parse a config with only an [email] table."""
    return parse_config({"email": table}, None).email


def test_a_fresh_install_writes_emails_to_the_log_instead_of_sending_them(database_url):
    settings = email_config()
    assert settings.mode == "console" and settings.security == "starttls" and settings.port == 587


def test_the_port_follows_the_security_unless_given(database_url):
    assert email_config(security="tls").port == 465
    assert email_config(security="none").port == 25
    assert email_config(security="tls", port=2465).port == 2465


@pytest.mark.parametrize("table, words", [
    ({"mode": "mail"}, "[email] mode must be one of console, smtp, not 'mail'"),
    ({"security": "ssl"}, "[email] security must be one of starttls, tls, none"),
    ({"port": 70000}, "[email] port must be a whole number from 1 to 65535"),
    ({"password": "hunter2"}, 'write password_env = "VARIABLE_NAME"'),
    ({"from": "newsletter"}, "[email] from must be an email address"),
    ({"site_url": "post.example.org"}, "[email] site_url must start with https://"),
    ({"hots": "smtp.example.org"}, "[email]: unknown key 'hots'"),
])
def test_a_mistake_in_the_email_table_is_named_with_its_fix(database_url, table, words):
    with pytest.raises(ConfigError) as caught:
        email_config(**table)
    assert words in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_the_smtp_password_comes_only_from_the_environment(database_url, monkeypatch):
    settings = email_config(mode="smtp", username="news", password_env="RV_TEST_SMTP_PASSWORD")
    monkeypatch.delenv("RV_TEST_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="RV_TEST_SMTP_PASSWORD, but that environment variable is not set"):
        settings.password()
    monkeypatch.setenv("RV_TEST_SMTP_PASSWORD", "s3cret")
    assert settings.password() == "s3cret"


def test_email_test_sends_a_message_to_the_address_at_once(project):
    server = SMTPServer(username="news", password="right password").start()
    try:
        project.write_config(server.config(username="news", password_env="RV_SMTP_PASSWORD"))
        result = project.cli("email", "test", "ada@example.org", env={"RV_SMTP_PASSWORD": "right password"})
        assert result.returncode == 0, result.stderr
        assert "Sent a test email to ada@example.org" in result.stdout
        [got] = server.wait_for(1)
    finally:
        server.stop()
    assert got.recipients == ["ada@example.org"]
    assert got.message["Subject"] == "A test email from Test Recovery Community"
    assert "email is set up correctly" in got.text
    assert "right password" not in result.stdout + result.stderr


def test_email_test_says_the_password_was_refused_without_a_traceback(project):
    server = SMTPServer(username="news", password="right password").start()
    try:
        project.write_config(server.config(username="news", password_env="RV_SMTP_PASSWORD"))
        result = project.cli("email", "test", "ada@example.org", env={"RV_SMTP_PASSWORD": "wrong password"})
    finally:
        server.stop()
    assert result.returncode == 2
    assert "refused the username or password" in result.stderr
    assert "Traceback" not in result.stderr and "wrong password" not in result.stderr


def test_email_test_says_when_nothing_listens_on_the_port(project):
    project.write_config(SMTPServer(port=free_port()).config())
    result = project.cli("email", "test", "ada@example.org")
    assert result.returncode == 2
    assert "could not connect to the mail server 127.0.0.1" in result.stderr
    assert "check [email] host and port" in result.stderr and "Traceback" not in result.stderr


def test_email_test_says_when_tls_fails(project):
    server = SMTPServer().start()  # speaks plain SMTP, so a TLS handshake from the first byte fails
    try:
        project.write_config(server.config(security="tls"))
        result = project.cli("email", "test", "ada@example.org")
    finally:
        server.stop()
    assert result.returncode == 2
    assert "TLS with the mail server" in result.stderr and "Traceback" not in result.stderr


def test_email_test_in_console_mode_writes_the_email_to_the_log(project):
    result = project.cli("email", "test", "ada@example.org")
    assert result.returncode == 0, result.stderr
    assert 'mode is "console"' in result.stdout
    assert "A test email from Test Recovery Community" in result.stderr


def test_email_test_refuses_something_that_is_not_an_address(project):
    result = project.cli("email", "test", "ada")
    assert result.returncode == 2 and "'ada' is not an email address" in result.stderr


LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("at, until", [
    (datetime(2026, 12, 4, 23, 0, tzinfo=timezone.utc), datetime(2026, 12, 5, 7, 30, tzinfo=timezone.utc)),
    (datetime(2026, 12, 5, 6, 0, tzinfo=timezone.utc), datetime(2026, 12, 5, 7, 30, tzinfo=timezone.utc)),
    (datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc), None),
    (datetime(2026, 7, 4, 21, 30, tzinfo=timezone.utc), datetime(2026, 7, 5, 6, 30, tzinfo=timezone.utc)),  # BST
])
def test_quiet_hours_over_midnight_end_at_their_local_time(database_url, at, until):
    wanted = emails.Choices("each", time(22, 0), time(7, 30))
    assert emails.quiet_until(wanted, at, LONDON) == until


@pytest.mark.parametrize("wanted, field", [
    (emails.Choices("weekly"), "delivery"),
    (emails.Choices("each", time(22, 0), None), "quiet_end"),
    (emails.Choices("each", None, time(7, 0)), "quiet_start"),
    (emails.Choices("each", time(7, 0), time(7, 0)), "quiet_end"),
])
def test_email_choices_that_cannot_be_kept_name_the_field_to_change(sessions, wanted, field):
    with sessions() as session, pytest.raises(emails.EmailSettingsProblem) as caught:
        emails.save_choices(session, 1, wanted)
    assert caught.value.field == field


def test_each_person_chooses_a_daily_summary_and_quiet_hours_on_their_email_settings_page(project, sessions):
    from web_fixtures import csrf_from, make_app, make_people, sign_in

    ids = make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "storyteller")
    page = client.get("/account/email").get_data(as_text=True)
    assert 'href="/account/email"' in page and "<h1>Email settings</h1>" in page
    token = csrf_from(page)
    saved = client.post("/account/email", data={"delivery": "digest", "quiet_start": "21:30", "quiet_end": "08:00",
                                                 "csrf_token": token})
    assert saved.status_code == 302
    with sessions() as session:
        assert emails.choices(session, ids["storyteller"]) == emails.Choices("digest", time(21, 30), time(8, 0))
        assert emails.choices(session, ids["volunteer"]) == emails.Choices()


def test_quiet_hours_with_no_end_are_refused_beside_the_end_field_and_nothing_is_saved(project, sessions):
    from web_fixtures import csrf_from, make_app, make_people, sign_in

    ids = make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    token = csrf_from(client.get("/account/email").get_data(as_text=True))
    answer = client.post("/account/email", data={"delivery": "off", "quiet_start": "22:00", "csrf_token": token})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'href="#quiet_end"' in page and 'id="quiet_end-error"' in page and "need both a start and an end" in page
    assert 'value="22:00"' in page  # what was typed is kept
    with sessions() as session:
        assert emails.choices(session, ids["volunteer"]) == emails.Choices()


def test_the_html_part_escapes_what_people_wrote_and_links_only_web_addresses(database_url):
    from recovery_voice.email_words import as_html

    page = as_html('Note: <script>alert("x")</script> & more.\nSee https://rv.test/posts/1.\n\nThanks')
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; more" in page
    assert 'more.<br>See <a href="https://rv.test/posts/1">https://rv.test/posts/1</a>.</p>' in page
    assert page.count("<p>") == 2


def test_email_test_says_when_the_server_offers_no_starttls(project):
    server = SMTPServer().start()  # aiosmtpd without a TLS context offers no STARTTLS
    try:
        project.write_config(server.config(security="starttls"))
        result = project.cli("email", "test", "ada@example.org")
    finally:
        server.stop()
    assert result.returncode == 2
    assert "does not offer STARTTLS" in result.stderr and 'security = "tls"' in result.stderr
