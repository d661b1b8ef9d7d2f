"""`recovery-voice serve` on a port something else holds: one plain line and exit 2, nothing started."""

import socket

import pytest


@pytest.fixture
def database_url(tmp_path):
    """One SQLite file: what is under test is the command, not the database."""
    return f"sqlite:///{tmp_path / 'rv.db'}"


def test_serve_on_a_busy_port_says_so_in_one_line_and_exits_2(project):
    project.init_db()
    with socket.socket() as holder:  # a real listener on the port, as another program would hold it
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = project.cli("serve", "--port", str(port))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"Error: port {port} on 127.0.0.1 is already in use: stop what is using it, or choose another "
                     "with --port."], result.stderr
    assert "running" not in result.stdout and "Traceback" not in result.stderr + result.stdout
