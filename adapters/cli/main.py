"""Entry point: global options, one error line instead of a traceback, exit codes.

Exit codes: 0 ok; 1 an ordertrail error (store, vendor, refused command,
unknown order); 2 usage or configuration error; 3 verify found mismatches;
130 interrupted. ``--debug`` shows the traceback instead of the one line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from eventsourcing.persistence import PersistenceError

from ordertrail import __version__
from ordertrail.adapters.common.runtime import tune_garbage_collector
from ordertrail.adapters.config import DEFAULT_CONFIG_FILE, Config, ConfigError, load_config
from ordertrail.adapters.store import StoreConfigError, StoreURL, open_tracker
from ordertrail.domain.errors import OrdertrailError
from ordertrail.domain.tracker import Tracker

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_MISMATCH = 3
_CURRENT_STORE: str | None = None


@dataclass
class AppContext:
    """What every command needs: the configuration, and the tracker opened once on demand."""

    config: Config
    as_json: bool = False
    _tracker: Tracker | None = field(default=None, repr=False)

    def tracker(self) -> Tracker:
        if self._tracker is None:
            self._tracker = open_tracker(
                self.config.store_url, cipher_key=self.config.cipher_key(),
                cache_orders=self.config.store.cache_orders,
                cache_megabytes=self.config.store.cache_megabytes,
            )
        return self._tracker

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None


@click.group()
@click.version_option(__version__, prog_name="ordertrail")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help=f"TOML configuration file (default: ./{DEFAULT_CONFIG_FILE} if present).")
@click.option("--store", "store_url", default=None, help="Store URL, overriding the config file.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, store_url: str | None, as_json: bool, debug: bool
) -> None:
    """ordertrail: one trustworthy, replayable record of every vendor order."""
    tune_garbage_collector()
    if config_path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        config_path = Path(DEFAULT_CONFIG_FILE)
    # config check reports unset variables too, with the file's own problems
    config = load_config(config_path, store_url=store_url,
                         check_env=ctx.invoked_subcommand == "config")
    global _CURRENT_STORE
    _CURRENT_STORE = str(StoreURL.parse(config.store_url))  # a bad URL fails here
    app = AppContext(config=config, as_json=as_json)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register_commands() -> None:
    from ordertrail.adapters.cli import (
        commands_act,
        commands_ops,
        commands_orders,
        commands_read,
        commands_run,
        commands_vendor,
    )
    from ordertrail.adapters.ppw import commands as ppw_commands

    for module in (commands_orders, commands_act, commands_read, commands_run, commands_ops,
                   commands_vendor, ppw_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_commands()


def say(line: str) -> None:
    """One line on stderr, never wrapped."""
    sys.stderr.write(f"ordertrail: {line}\n")
    sys.stderr.flush()


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    code = run(args, debug)
    sys.exit(code)


def run(args: list[str], debug: bool = False) -> int:
    try:
        result: Any = cli.main(args=args, prog_name="ordertrail", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.Abort:
        say("interrupted")
        return 130
    except click.ClickException as error:
        if debug:
            raise
        error.show()
        return EXIT_USAGE
    except ConfigError as error:  # every problem of the file, one line each
        if debug:
            raise
        for problem in error.problems:
            say(f"configuration error: {problem}")
        return EXIT_USAGE
    except StoreConfigError as error:  # a bad store URL or cipher key
        if debug:
            raise
        say(f"configuration error: {_one_line(error)}")
        return EXIT_USAGE
    except OrdertrailError as error:
        if debug:
            raise
        say(f"error: {_one_line(error)}")
        return EXIT_ERROR
    except PersistenceError as error:
        if debug:
            raise
        say(f"store error at {_CURRENT_STORE or 'the store'}: {_one_line(error)}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    return int(result) if isinstance(result, int) else 0
