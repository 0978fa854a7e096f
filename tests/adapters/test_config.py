"""Strict configuration: typed tables with ranges, URLs with a scheme, IANA time zones and
required keys; every problem reported at once, each naming the file, the table, the key, the
value and what is expected (exit 2); unset variables reported by ``config check``; secrets never
echoed; the runtime objects built from the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

from ordertrail.adapters.cli.main import run
from ordertrail.adapters.config import ConfigError, load_config
from ordertrail.adapters.ivcap.plugin import ivcap_config
from ordertrail.adapters.planomatic.plugin import planomatic_config
from ordertrail.adapters.planviewer.plugin import planviewer_config
from ordertrail.adapters.ppw.config import sha1_hex
from ordertrail.adapters.ppw.plugin import ppw_config
from ordertrail.adapters.registry import plugin
from ordertrail.adapters.wiring import receiver_paths

PLANVIEWER = ('[vendors.planviewer]\naccess_key_id_env = "T_PV_ID"\n'
              'access_key_secret_env = "T_PV_SECRET"\n')
PPW = ('[vendors.ppw]\nusername = "u"\npassword_sha1_env = "T_PPW_SHA1"\nsite_id = "s"\n'
       'remote_site_id = "r"\n')


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ordertrail.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, check_env: bool = False) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        load_config(write(tmp_path, text), check_env=check_env)
    return refused.value.problems


# Each of the accepted-but-wrong settings, with what the one line must name.
WRONG = [
    ('[sync]\nlease_seconds = -5\n',
     "[sync] lease_seconds = -5: expected a number of seconds greater than 0"),
    ('[sync]\nconcurrency = 0\n', "[sync] concurrency = 0: expected a whole number of at least 1"),
    ('[sync]\nconcurrency = -1\n', "[sync] concurrency = -1: expected a whole number of at least 1"),
    ('[sync]\npass_interval_seconds = 0\n', "[sync] pass_interval_seconds = 0: expected a number"),
    ('[sync]\nmetrics_port = 70000\n', "[sync] metrics_port = 70000: expected a port from 1 to 65535"),
    ('[service]\nport = 99999\n', "[service] port = 99999: expected a port from 1 to 65535"),
    ('[service]\nreceiver_port = -1\n', "[service] receiver_port = -1: expected a port"),
    ('[service]\nport = "8080"\n', '[service] port = "8080": expected a port'),
    ('[results]\nmax_bytes = -5\n', "[results] max_bytes = -5: expected a number of bytes"),
    ('[store]\ncache_megabytes = 0\n',
     "[store] cache_megabytes = 0: expected a number of megabytes greater than 0"),
    ('[store]\ncache_orders = -1\n', "[store] cache_orders = -1: expected a whole number"),
    ('[store]\nauto_migrate = "yes"\n', '[store] auto_migrate = "yes": expected true or false'),
    ('[store]\nurl = "mysql://db/x"\n', '[store] url = "mysql://db/x": expected a store URL'),
    (PLANVIEWER + 'base_url = "www.planviewer.nl"\n',
     '[vendors.planviewer] base_url = "www.planviewer.nl": expected an http:// or https:// URL'),
    (PLANVIEWER + 'base_url = "ftp://planviewer.nl"\n', "expected an http:// or https:// URL"),
    (PLANVIEWER + 'timezone = "Mars/Olympus"\n',
     '[vendors.planviewer] timezone = "Mars/Olympus": expected an IANA time zone'),
    (PLANVIEWER + 'timezone = "../../etc/passwd"\n', "expected an IANA time zone"),
    (PLANVIEWER + 'daily_cap = 0\n', "[vendors.planviewer] daily_cap = 0: expected a whole number"),
    (PLANVIEWER + 'poll_interval_seconds = -1\n', "poll_interval_seconds = -1: expected a number"),
    (PLANVIEWER + 'order_timeout_seconds = 0\n',
     "[vendors.planviewer] order_timeout_seconds = 0: expected a number of seconds greater than 0"),
    (PLANVIEWER + 'retries = 99\n', "[vendors.planviewer] retries = 99: expected a whole number"),
    ('[vendors.ivcap]\nbase_url = "http://x"\ntoken_env = "T"\nreconcile_after_seconds = -1\n',
     "[vendors.ivcap] reconcile_after_seconds = -1: expected a number of seconds, 0 or more"),
    ('[vendors.planomatic]\ntoken_env = "T"\ntimeout_seconds = -3\n',
     "[vendors.planomatic] timeout_seconds = -3: expected a number of seconds greater than 0"),
    ('[vendors.ppw]\nusername = "u"\npassword_sha1_env = "X"\nremote_site_id = "r"\n',
     "[vendors.ppw] site_id is missing: expected a non-empty string"),
    (PPW + 'receiver_path = "ppw"\n', '[vendors.ppw] receiver_path = "ppw": expected a path'),
    ('[vendors.ivcap]\ntoken_env = "T"\n', "[vendors.ivcap] base_url is missing: expected an http"),
    ('[vendors.planviewer]\naccess_key_id_env = "A"\n',
     "[vendors.planviewer] access_key_secret_env is missing"),
    ('[vendors.planomatic]\ntoken_env = "T"\nemail_env = "E"\n',
     "[vendors.planomatic] email_env and password_env go together"),
    ('[store]\ncolour = "blue"\n', "[store] unknown key 'colour' (known: url, cipher_key_env"),
    ('[stores]\nurl = "x"\n', "unknown table [stores]"),
    ('[vendors.acme]\nx = 1\n', "unknown vendor table [vendors.acme]"),
    ('store = 5\n', "[store] must be a table, not 5"),
    ('[alerts]\nconsole_url = "console.example"\n',
     '[alerts] console_url = "console.example": expected an http:// or https:// URL'),
    ('[alerts]\nwebhook_url_env = "https://hooks.example/x"\n',
     "[alerts] webhook_url_env = (not shown: it may be the secret itself)"),
    ('[alerts.stuck_after]\nPLACED = -1\n',
     "[alerts.stuck_after] PLACED = -1: expected a number of seconds, 0 or more"),
    ('[alerts.stuck_after]\nPLACD = 60\n', "[alerts.stuck_after] unknown key 'PLACD'"),
    ('[alerts.stuck_after.ivcap]\nIN_PROGRESS = "1h"\n',
     '[alerts.stuck_after.ivcap] IN_PROGRESS = "1h": expected a number of seconds, 0 or more'),
    ('[alerts.stuck_after.acme]\nPLACED = 60\n', "[alerts.stuck_after] unknown key 'acme'"),
]


@pytest.mark.parametrize(("text", "needle"), WRONG, ids=[w[1][:60] for w in WRONG])
def test_each_wrong_setting_is_one_line_naming_file_table_key_value_and_expectation(
    tmp_path: Path, text: str, needle: str
) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'ordertrail.toml'}: ")
    assert needle in found[0], found[0]


def test_every_problem_is_reported_at_once_and_every_command_refuses_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ('[sync]\nlease_seconds = -5\nconcurrency = 0\npass_interval_seconds = 0\n'
            '[service]\nport = 99999\n[results]\nmax_bytes = -5\n' + PLANVIEWER +
            'base_url = "www.x.nl"\ntimezone = "Mars/Olympus"\n'
            '[vendors.ppw]\nusername = "u"\npassword_sha1_env = "X"\nremote_site_id = "r"\n')
    path = write(tmp_path, text)
    for command in (["config", "check"], ["status"], ["place", "ivcap"], ["sync", "--once"]):
        assert run(["--config", str(path), *command]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 8, lines
        assert all(line.startswith("ordertrail: configuration error: ") for line in lines)
        for key in ("lease_seconds", "concurrency", "pass_interval_seconds", "port", "max_bytes",
                    "base_url", "timezone", "site_id"):
            assert sum(f"] {key} " in line for line in lines) == 1, (key, lines)
    assert not (tmp_path / "ordertrail.db").exists()


def test_config_check_reports_every_unset_or_malformed_variable_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[store]\nurl = "sqlite:///o.db"\ncipher_key_env = "T_KEY"\n'
                           '[service]\napi_token_env = "T_TOKEN"\n' + PLANVIEWER + PPW)
    monkeypatch.setenv("T_KEY", "not-a-key")
    monkeypatch.setenv("T_PPW_SHA1", "hunter2")
    monkeypatch.setenv("T_TOKEN", "short")
    for unset in ("T_PV_ID", "T_PV_SECRET"):
        monkeypatch.delenv(unset, raising=False)
    assert run(["--config", str(path), "config", "check"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "cipher_key_env names environment variable T_KEY, whose value is not base64 of 16, 24 "
        "or 32 random bytes, as AESCipher.create_key(32) makes",
        "api_token_env names environment variable T_TOKEN, whose value is not a token of at "
        "least 16 characters",
        "access_key_id_env names environment variable T_PV_ID, which is not set",
        "access_key_secret_env names environment variable T_PV_SECRET, which is not set",
        "password_sha1_env names environment variable T_PPW_SHA1, whose value is not a 40-hex "
        "SHA-1 digest",
    ]
    assert "hunter2" not in "\n".join(lines) and "not-a-key" not in "\n".join(lines)
    monkeypatch.setenv("T_KEY", AESCipher.create_key(32))
    monkeypatch.setenv("T_PPW_SHA1", sha1_hex("pw"))
    monkeypatch.setenv("T_TOKEN", "a-token-of-24-characters")
    monkeypatch.setenv("T_PV_ID", "id")
    monkeypatch.setenv("T_PV_SECRET", "secret")
    assert run(["--config", str(path), "--json", "config", "check"]) == 0
    assert '"store": "not created yet' in capsys.readouterr().out  # and config check made none


def test_a_read_command_does_not_need_the_vendors_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, f'[store]\nurl = "sqlite:///{(tmp_path / "o.db").as_posix()}"\n' + PLANVIEWER)
    placed = run(["--config", str(path), "place", "planviewer", "--field", "intention_uuid=i-1"])
    assert placed == 0, capsys.readouterr().err
    assert run(["--config", str(path), "status"]) == 0, capsys.readouterr().err


def test_secrets_and_passwords_are_never_echoed(tmp_path: Path) -> None:
    found = problems(tmp_path, '[vendors.ivcap]\nbase_url = "https://ops:hunter2@x.invalid/"\n'
                               'token_env = "eyJhbGciOiJIUzI1NiJ9.secret"\nservice_id = 5\n')
    text = "\n".join(found)
    assert "eyJhbGciOi" not in text and "token_env = (not shown" in text
    found = problems(tmp_path, '[store]\nurl = "postgresql://u:hunter2@db/x?schema=bad-name"\n')
    assert len(found) == 1 and "hunter2" not in found[0] and "u:***@" in found[0]


def test_port_zero_and_the_defaults_are_valid(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[service]\nport = 0\nreceiver_port = 0\n'
                                         '[sync]\nmetrics_port = 0\nmetrics_host = "127.0.0.1"\n'))
    assert (config.service.port, config.service.receiver_port, config.sync.metrics_port) == (0, 0, 0)
    assert (config.sync.lease_seconds, config.sync.pass_interval_seconds) == (60.0, 5.0)
    assert config.results_dir == tmp_path / "results" and config.results_max_bytes == 100 << 20


def test_the_runtime_objects_are_built_from_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("T_PV_ID", "pv-id"), ("T_PV_SECRET", "pv-secret"), ("T_IV", "iv"),
                        ("T_PO", "po"), ("T_PO_E", "e@x"), ("T_PO_P", "p"),
                        ("T_PPW_SHA1", sha1_hex("pw").upper())):
        monkeypatch.setenv(name, value)
    config = load_config(write(tmp_path, (
        '[sync]\nconcurrency = 3\n[service]\nmax_body_bytes = 2048\n' + PLANVIEWER +
        'daily_cap = 7\ntimezone = "UTC"\npoll_interval_seconds = 0\norder_timeout_seconds = 90\n'
        'missing_job_limit = 3\n'
        '[vendors.ivcap]\nbase_url = "http://127.0.0.1:9"\ntoken_env = "T_IV"\nservice_id = "urn:s"\n'
        'create_timeout_seconds = 45\nreconcile_after_seconds = 300\nretries = 0\n'
        '[vendors.planomatic]\ntoken_env = "T_PO"\nemail_env = "T_PO_E"\npassword_env = "T_PO_P"\n'
        'timeout_seconds = 200\n'
        + PPW + 'receiver_path = "/in"\n')))
    pv = planviewer_config(config.settings(plugin("planviewer")))
    assert (pv.access_key_id, pv.access_key_secret.reveal(), pv.daily_cap, pv.timezone) == (
        "pv-id", "pv-secret", 7, "UTC")
    assert (pv.max_concurrency, pv.poll_fast_seconds, pv.base_url) == (
        3, 0.0, "https://www.planviewer.nl")
    iv = ivcap_config(config.settings(plugin("ivcap")))
    assert (iv.base_url, iv.service_id, iv.account_id, iv.max_concurrency) == (
        "http://127.0.0.1:9", "urn:s", "", 3)
    assert (pv.order_timeout_seconds, pv.missing_job_limit, pv.request_timeout_seconds) == (
        90, 3, 30.0)
    assert (iv.create_timeout_seconds, iv.reconcile_after_seconds, iv.retries) == (45, 300, 0)
    po = planomatic_config(config.settings(plugin("planomatic")))
    assert po.can_reauthenticate and po.timeout_seconds == 200
    ppw = ppw_config(config.settings(plugin("ppw")))
    assert ppw.password_sha1.reveal() == sha1_hex("pw")
    assert (ppw.max_body_bytes, receiver_paths(config)) == (2048, {"ppw": "/in"})


def test_serve_refuses_a_port_out_of_range_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, f'[store]\nurl = "sqlite:///{(tmp_path / "o.db").as_posix()}"\n')
    assert run(["--config", str(path), "serve", "--port", "99999"]) == 2
    err = capsys.readouterr().err
    assert "99999" in err and "Traceback" not in err


def test_alerts_limits_apply_most_specific_first(tmp_path: Path) -> None:
    from datetime import timedelta

    from ordertrail.adapters.cli.watch import limits_in_force
    from ordertrail.adapters.registry import names

    config = load_config(write(tmp_path, (
        '[alerts]\nwebhook_url_env = "T_HOOK"\nconsole_url = "https://c.example"\n'
        '[alerts.stuck_after]\nREQUESTED = 60\nPLACED = 600\n'
        '[alerts.stuck_after.planviewer]\nPLACED = 7200\n')))
    limits = limits_in_force(config)
    assert limits.limit("planviewer", "PLACED") == timedelta(hours=2)  # the vendor's own
    assert limits.limit("ivcap", "PLACED") == timedelta(minutes=10)  # every vendor's
    assert limits.limit("ivcap", "REQUESTED") == timedelta(minutes=1)
    assert limits.limit("ivcap", "IN_PROGRESS") == timedelta(hours=12)  # IVCAP's default
    assert limits.limit("planomatic", "SUBMISSION_UNCERTAIN") == timedelta(0)  # ordertrail's
    assert (config.alerts.every_seconds, config.alerts.timeout_seconds) == (5.0, 10.0)
    # every registered vendor can have its own limits
    for name in names():
        own = load_config(write(tmp_path, f'[alerts.stuck_after.{name}]\nPLACED = 5\n'))
        assert own.stuck_after_by_vendor == {name: {"PLACED": 5}}


def test_the_webhook_variable_must_hold_an_http_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_HOOK", "hooks.example/no-scheme")
    found = problems(tmp_path, '[alerts]\nwebhook_url_env = "T_HOOK"\n', check_env=True)
    assert found == [f"{tmp_path / 'ordertrail.toml'}: [alerts] webhook_url_env names environment "
                     "variable T_HOOK, whose value is not an http:// or https:// URL"]
    monkeypatch.setenv("T_HOOK", "https://hooks.example/x?token=abc")
    assert load_config(write(tmp_path, '[alerts]\nwebhook_url_env = "T_HOOK"\n'),
                       check_env=True).alerts.webhook_url_env == "T_HOOK"


@pytest.mark.parametrize("args", [
    ["--log-format", "json", "sync", "--once", "--log-level", "debug"],
    ["sync", "--log-level=debug", "--once", "--log-format=json"],
])
def test_the_log_options_work_before_and_after_the_command(args: list[str]) -> None:
    from ordertrail.adapters.cli.log_options import hoist

    moved = hoist(args)
    assert moved[-2:] == ["sync", "--once"] and len(moved) == len(args)
    assert hoist(["place", "ivcap", "--", "--log-level", "x"])[-2:] == ["--log-level", "x"]
