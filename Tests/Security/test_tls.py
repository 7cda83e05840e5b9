"""TLS: the emulator serves HTTPS with a certificate signed by a CA made here (openssl, in a temp dir).
The client refuses it by default (BKCC_ETRANSPORT, a message that says what to do, items skipped: never sent),
accepts it with ca_file, and without verification only when asked (verify_tls: false / --insecure, which the
CLI warns about on stderr).
"""

import pytest

import bkcc

from .security_support import Emulator, make_certificates, run_cli, switches


@pytest.fixture(scope="module")
def tls_cmdb(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    ca, cert, key = make_certificates(str(directory))
    with Emulator(tls_cert=cert, tls_key=key, cafile=ca) as cmdb:
        yield cmdb


@pytest.fixture
def https(tls_cmdb):
    tls_cmdb.reset()
    assert tls_cmdb.url.startswith("https://127.0.0.1:")
    return tls_cmdb


def test_an_unknown_certificate_is_refused_and_nothing_is_sent(https):
    with https.client(retries=3) as client:
        result = client.batch_create_inst("bk_switch", switches(450))
    assert result.status == bkcc.Status.ETRANSPORT
    assert sorted(result.skipped) == list(range(450)) and not result.unknown and not result.created
    message = result.requests[0]["message"]
    assert "certificate" in message and "ca_file" in message, message
    assert https.creates() == 0 and https.instances("bk_switch") == []


def test_ca_file_makes_the_certificate_trusted(https):
    with https.client(ca_file=https.cafile) as client:
        result = client.batch_create_inst("bk_switch", switches(250))
    assert result.ok and len(result.created) == 250
    assert len(https.instances("bk_switch")) == 250


def test_verify_tls_false_accepts_it_only_when_asked(https):
    with https.client(verify_tls=False) as client:
        result = client.batch_create_inst("bk_switch", switches(3))
    assert result.ok and len(https.instances("bk_switch")) == 3


def write_rows(path, n, prefix):
    path.write_text("bk_inst_name,bk_asset_id\n" + "".join("%s-%d,%s-%d\n" % (prefix, i, prefix, i) for i in range(n)))


def test_cli_refuses_the_certificate_by_default(https, tmp_path):
    rows = tmp_path / "rows.csv"
    write_rows(rows, 5, "tls-a")
    done = run_cli("batch-create-inst", "--obj", "bk_switch", "--no-progress", str(rows), env=https.env())
    assert done.returncode == 3, done.stderr
    # The advice in the CLI's own terms: its flags, not the library's configuration keys.
    assert b"certificate" in done.stdout + done.stderr and b"--ca-file" in done.stdout + done.stderr, done.stdout
    assert b"--insecure" in done.stdout + done.stderr, done.stdout
    assert https.creates() == 0


def test_cli_ca_file(https, tmp_path):
    rows = tmp_path / "rows.csv"
    write_rows(rows, 5, "tls-b")
    done = run_cli("batch-create-inst", "--obj", "bk_switch", "--no-progress", "--ca-file", https.cafile, str(rows),
                   env=https.env())
    assert done.returncode == 0, done.stderr
    assert b"insecure" not in done.stderr.lower()
    assert len(https.instances("bk_switch")) == 5


def test_cli_insecure_works_and_warns_on_stderr(https, tmp_path):
    rows = tmp_path / "rows.csv"
    write_rows(rows, 5, "tls-c")
    done = run_cli("batch-create-inst", "--obj", "bk_switch", "--no-progress", "--insecure", str(rows),
                   env=https.env())
    assert done.returncode == 0, done.stderr
    assert len(https.instances("bk_switch")) == 5
    text = done.stderr.decode("utf-8", "replace").lower()
    assert "warning" in text and ("tls" in text or "certificate" in text), done.stderr

