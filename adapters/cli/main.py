"""Entry point: global options, one error line instead of a traceback, exit codes.

Exit codes: 0 ok; 1 an ordertrail error (store, vendor, refused command,
unknown order); 2 usage or configuration error; 3 verify found mismatches;
130 interrupted. ``--debug`` shows the traceback instead of the one line.

The global options (``--config``, ``--store``, ``--json``, ``--tz``, ``--debug``) are
accepted before and after the subcommand's name: ``add_global_options`` puts them on the
group and on every command. Nothing heavy is imported here: each command's module is
imported when that command runs, and the configuration is read when a command first asks
for it (after every option, wherever it was written, is known), so ``ordertrail --help``
stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ordertrail import __version__
from ordertrail.adapters.cli import log_options

if TYPE_CHECKING:
    from ordertrail.adapters.config import Config
    from ordertrail.domain.tracker import Tracker

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_MISMATCH = 3
OPTIONS = "ordertrail.options"
"""Key of the global options' values in the root context's ``meta``."""
_CURRENT_STORE: str | None = None


class UsageProblem(click.ClickException):
    """Bad input that is the user's to fix: one line, exit 2."""

    exit_code = EXIT_USAGE


class MissingStore(UsageProblem):
    """A command that only reads was pointed at a SQLite store that does not exist."""


@dataclass
class AppContext:
    """What every command needs: the global options, the configuration (read on first use,
    when every option is known) and the tracker (opened once, on demand)."""

    options: dict[str, Any]
    command: str | None = None
    """The subcommand invoked (``config check`` also reports unset variables)."""
    _config: Config | None = field(default=None, repr=False)
    _tracker: Tracker | None = field(default=None, repr=False)

    @property
    def as_json(self) -> bool:
        return bool(self.options.get("as_json"))

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = _load(self.options, check_env=self.command == "config")
        return self._config

    @config.setter
    def config(self, value: Config) -> None:
        self._config = value

    def tracker(self, create: bool = False) -> Tracker:
        """The ledger. Only a command that writes passes ``create``: any other, on a SQLite
        store that does not exist, says so (exit 2) rather than leave an empty file behind."""
        if self._tracker is None:
            from ordertrail.adapters.store import open_tracker

            config = self.config
            if not create:
                self._refuse_missing_store(config)
            self._tracker = open_tracker(
                config.store_url, cipher_key=config.cipher_key(),
                cache_orders=config.store.cache_orders,
                cache_megabytes=config.store.cache_megabytes,
            )
        return self._tracker

    def _refuse_missing_store(self, config: Config) -> None:
        from ordertrail.adapters.store import StoreURL

        store = StoreURL.parse(config.store_url)
        if store.kind != "sqlite" or store.path == ":memory:" or Path(store.path).exists():
            return
        if self.options.get("store_url") is None and config.source == "(defaults)":
            raise MissingStore(f"no store: no ./ordertrail.toml here, no --store, and the default "
                               f"{store} does not exist")
        where = "--store" if self.options.get("store_url") else config.source
        raise MissingStore(f"no store at {store} (from {where}): nothing has been placed there "
                           "yet, or the path is wrong")

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None


def _load(options: dict[str, Any], check_env: bool) -> Config:
    global _CURRENT_STORE
    from ordertrail.adapters.config import DEFAULT_CONFIG_FILE, load_config
    from ordertrail.adapters.store import StoreURL

    config_path: Path | None = options.get("config_path")
    if config_path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        config_path = Path(DEFAULT_CONFIG_FILE)
    config = load_config(config_path, store_url=options.get("store_url"), check_env=check_env)
    _CURRENT_STORE = str(StoreURL.parse(config.store_url))  # a bad URL fails here
    return config


# ---------------------------------------------------------------- global options
def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep a global option's value where the application finds it, wherever it was given."""
    if value is not None and value is not False and param.name is not None:
        ctx.find_root().meta.setdefault(OPTIONS, {})[param.name] = value
    return value


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise click.BadParameter(f"{value!r} is not an IANA time zone (e.g. UTC, "
                                     "Europe/Amsterdam)", ctx, param) from None
    _remember(ctx, param, value)
    return value


def _global_options() -> list[click.Option]:
    return [
        click.Option(["--config", "config_path"], type=click.Path(dir_okay=False, path_type=Path),
                     expose_value=False, callback=_remember,
                     help="TOML configuration file (default: ./ordertrail.toml if present)."),
        click.Option(["--store", "store_url"], expose_value=False, callback=_remember,
                     help="Store URL, overriding the config file."),
        click.Option(["--json", "as_json"], is_flag=True, expose_value=False, callback=_remember,
                     help="Machine-readable JSON output."),
        click.Option(["--tz", "tz"], metavar="ZONE", expose_value=False, callback=_zone,
                     help="Show times in this IANA zone (default: this machine's)."),
        click.Option(["--debug"], is_flag=True, expose_value=False, callback=_remember,
                     help="Show tracebacks instead of one-line errors."),
    ]


def add_global_options(command: click.Command) -> click.Command:
    """The global options on ``command`` and, for a group, on each of its subcommands, so
    ``ordertrail status --json`` works as ``ordertrail --json status`` does."""
    if not getattr(command, "_has_global_options", False):
        command.params.extend(_global_options())
        setattr(command, "_has_global_options", True)  # noqa: B010 (click.Command has no slot)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)
    return command


# ---------------------------------------------------------------- commands, imported when run
COMMANDS: dict[str, tuple[str, str]] = {
    "place": ("ordertrail.adapters.cli.commands_orders:place",
              "Request an order from VENDOR (one of the registered vendors)."),
    "show": ("ordertrail.adapters.cli.commands_orders:show", "One order, now or as of a version."),
    "history": ("ordertrail.adapters.cli.commands_orders:history",
                "The audit timeline of one order (every event, its source and what it changed), "
                "or of a vendor account's connector."),
    "reconcile": ("ordertrail.adapters.cli.commands_act:reconcile",
                  "Settle an uncertain submission after checking the vendor's own records."),
    "resubmit": ("ordertrail.adapters.cli.commands_act:resubmit",
                 "Send a declined order again with changes (a new payment method, say), "
                 "history kept."),
    "cancel": ("ordertrail.adapters.cli.commands_act:cancel",
               "Cancel an order not yet placed, or ask for a placed one to be cancelled: through "
               "the vendor where it has a cancel route, else by a person at the vendor, then "
               "--confirm."),
    "fail": ("ordertrail.adapters.cli.commands_act:fail",
             "Close a placed order as failed: a person's decision (a reference the vendor no "
             "longer knows, a result that never comes)."),
    "choose": ("ordertrail.adapters.cli.commands_act:choose",
               "Answer a vendor's question (which parcel, say); without CHOICE, list the "
               "options."),
    "status": ("ordertrail.adapters.cli.commands_read:status",
               "Where every order is now (from the read models)."),
    "attention": ("ordertrail.adapters.cli.commands_read:attention",
                  "The orders a person must act on, with the reason and since when."),
    "report": ("ordertrail.adapters.cli.commands_read:report",
               "How each vendor is doing: per vendor and day, with lead times."),
    "watch": ("ordertrail.adapters.cli.commands_read:watch",
              "Live progress bars of the orders in progress (from ProgressReported)."),
    "projections": ("ordertrail.adapters.cli.commands_read:projections",
                    "Keep the read models current, rebuild them, or verify them against the "
                    "ledger."),
    "migrate": ("ordertrail.adapters.cli.commands_read:migrate",
                "Upgrade the read-model schema to the newest migration (the event tables are "
                "the library's)."),
    "demo": ("ordertrail.adapters.cli.commands_run:demo",
             "Place ~40 orders with the simulated vendors, sync them, and report."),
    "sync": ("ordertrail.adapters.cli.commands_run:sync",
             "Keep every open order current: submit, reconcile, poll, download."),
    "serve": ("ordertrail.adapters.cli.commands_run:serve",
              "The operator console at /, the receiver of a vendor that calls us (when "
              "configured) and the JSON API under /api, on one listener or (with [service] "
              "receiver_host/receiver_port) on two."),
    "config": ("ordertrail.adapters.cli.commands_ops:config", "Inspect the configuration."),
    "vendor": ("ordertrail.adapters.cli.commands_vendor:vendor",
               "A vendor account's connector: its state, its history, and recovering it."),
}
"""Each command: where it lives, and its one-line help (a test keeps both true)."""


def all_commands() -> dict[str, tuple[str, str]]:
    """``COMMANDS`` and each registered vendor's own (its plugin's ``commands``)."""
    from ordertrail.adapters.registry import plugins  # light: plugins import on use

    found = {c.name: (c.target, c.help) for p in plugins() for c in p.commands}
    return {**found, **COMMANDS}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *all_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        commands = all_commands()
        if cmd_name not in self.commands and cmd_name in commands:
            module, _, name = commands[cmd_name][0].partition(":")
            self.add_command(add_global_options(getattr(import_module(module), name)), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        commands = all_commands()
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, _shortened(commands[name][1], limit))
                for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at a word to fit ``limit`` characters, as click shortens a command's help."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 0)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="ordertrail")
@log_options.options
@click.pass_context
def cli(ctx: click.Context, log_level: str, log_format: str) -> None:
    """ordertrail: one trustworthy, replayable record of every vendor order."""
    from ordertrail.adapters.common.runtime import tune_garbage_collector
    from ordertrail.adapters.observability import logs

    tune_garbage_collector()
    logs.configure(log_level, log_format)
    app = AppContext(options=ctx.meta.setdefault(OPTIONS, {}), command=ctx.invoked_subcommand)
    ctx.obj = app
    ctx.call_on_close(app.close)


add_global_options(cli)


# ---------------------------------------------------------------- running, and errors
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
        result: Any = cli.main(args=log_options.hoist(args), prog_name="ordertrail",
                               standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.Abort:
        say("interrupted")
        return 130
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as error:
        if debug:
            raise
        return _report(error)
    return int(result) if isinstance(result, int) else 0


def _report(error: Exception) -> int:
    """The one line for an error and its exit code; anything unforeseen is raised again."""
    from eventsourcing.persistence import PersistenceError

    from ordertrail.adapters.config import ConfigError
    from ordertrail.adapters.store import StoreConfigError
    from ordertrail.domain.errors import OrdertrailError

    handlers: list[tuple[type[Exception], Callable[[Any], int]]] = [
        (click.ClickException, _usage),
        (ConfigError, _config_problems),  # every problem of the file, one line each
        (StoreConfigError, lambda e: _said(f"configuration error: {_one_line(e)}", EXIT_USAGE)),
        (OrdertrailError, lambda e: _said(f"error: {_one_line(e)}", EXIT_ERROR)),
        (PersistenceError, lambda e: _said(
            f"store error at {_CURRENT_STORE or 'the store'}: {_one_line(e)}", EXIT_ERROR)),
    ]
    for kind, handle in handlers:
        if isinstance(error, kind):
            code: int = handle(error)
            return code
    raise error


def _said(line: str, code: int) -> int:
    say(line)
    return code


def _usage(error: click.ClickException) -> int:
    """A usage error as one line naming the command and what was wrong (a command given no
    arguments at all shows its help, as before)."""
    if isinstance(error, click.exceptions.NoArgsIsHelpError):
        error.show()
        return EXIT_USAGE
    context = getattr(error, "ctx", None)
    path = context.command_path.removeprefix("ordertrail").strip() if context else ""
    message = " ".join(error.format_message().split())
    return _said(f"{path}: {message}" if path else message, EXIT_USAGE)


def _config_problems(error: Any) -> int:
    for problem in error.problems:
        say(f"configuration error: {problem}")
    return EXIT_USAGE
