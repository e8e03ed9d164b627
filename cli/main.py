"""`yimai`: one command with subcommands; `yimai SUBCOMMAND --help` explains each."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Sequence

from projections.config import ConfigError, Settings
from projections.system import System, open_system

ADMIN_PASSWORD_ENV = "YIMAI_ADMIN_PASSWORD"


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(database_url=args.database)


def _open(args: argparse.Namespace, **kwargs: object) -> System:
    return open_system(_settings(args), **kwargs)  # type: ignore[arg-type]


def cmd_init(args: argparse.Namespace) -> int:
    """Create the database and the first admin account."""
    system = _open(args)
    try:
        if system.is_initialized():
            print("This database is already initialized; nothing was changed.", file=sys.stderr)
            return 1
        username = args.admin_user
        if username:
            password = os.environ.get(ADMIN_PASSWORD_ENV, "")
            if not password:
                print(
                    f"Set {ADMIN_PASSWORD_ENV} to the admin's password when using --admin-user.",
                    file=sys.stderr,
                )
                return 2
        else:
            username = input("Admin user name / 管理员用户名: ").strip()
            password = getpass.getpass("Password / 密码: ")
            if getpass.getpass("Repeat password / 再次输入密码: ") != password:
                print("The passwords differ; nothing was changed.", file=sys.stderr)
                return 2
        from domain.errors import DomainError

        try:
            system.initialize(username, password)
        except DomainError as error:
            print(f"Not initialized: {error.message}", file=sys.stderr)
            return 2
        print(f"Initialized {system.settings.redacted_url()} with admin account '{username}'.")
        return 0
    finally:
        system.shutdown()


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the demo community and one account per role into an empty database."""
    from rich.progress import Progress

    from cli.demo import DEMO_PASSWORD, load_demo

    system = _open(args)
    try:
        if system.is_initialized():
            print("The demo loads only into an empty database; this one has data.", file=sys.stderr)
            return 1
        with Progress(transient=True) as bar:
            task = bar.add_task("Loading demo community / 加载演示社区", total=None)
            accounts = load_demo(
                system,
                seed=args.seed,
                members=args.members,
                households=args.households,
                requests=args.requests,
                progress=lambda n, t: bar.update(task, completed=n, total=t),
            )
        print(f"Demo community loaded into {system.settings.redacted_url()}.")
        print(f"Accounts (password '{DEMO_PASSWORD}'):")
        for username, role in accounts.items():
            print(f"  {username:<16} {role}")
        return 0
    finally:
        system.shutdown()


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from api.main import create_app

    system = _open(args, follow=True)
    try:
        uvicorn.run(create_app(system), host=args.host, port=args.port, log_level="info")
    finally:
        system.shutdown()
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    """Open the terminal UI for the service station."""
    from tui.app import YimaiApp

    settings = _settings(args)
    if args.lang:
        settings = Settings.from_env(database_url=args.database, lang=args.lang)
    system = open_system(settings, follow=True)
    try:
        YimaiApp(system).run()
    finally:
        system.shutdown()
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Rebuild read models from the events, with a progress bar."""
    from rich.progress import Progress

    system = _open(args)
    try:
        names = [args.name] if args.name else list(system.runner.projections)
        unknown = [n for n in names if n not in system.runner.projections]
        if unknown:
            print(
                f"Unknown read model '{unknown[0]}'. Known: "
                + ", ".join(system.runner.projections),
                file=sys.stderr,
            )
            return 2
        started = time.perf_counter()
        with Progress() as bar:
            # One pass over the log for all the named views: they advance together.
            task = bar.add_task(
                f"rebuild {', '.join(names)}", total=system.app.last_position() or 1
            )

            def advance(n: int, t: int) -> None:
                bar.update(task, completed=n, total=t)

            applied = system.runner.rebuild(names, progress=advance)
            bar.update(task, completed=bar.tasks[task].total)
        # Every view replays the whole log: count each event of the log once.
        replayed = applied // len(names)
        seconds = max(time.perf_counter() - started, 1e-9)
        print(f"Rebuilt {', '.join(names)} up to position {system.runner.position()}.")
        # Events of the log, each counted once however many read models replayed it.
        print(f"{replayed:,} events in {seconds:.2f} s: {replayed / seconds:,.0f} events/s.")
        return 0
    finally:
        system.shutdown()


def cmd_status(args: argparse.Namespace) -> int:
    """Show the log's head and each read model's position."""
    system = _open(args)
    try:
        print(f"database: {system.settings.redacted_url()}")
        print(f"initialized: {'yes' if system.is_initialized() else 'no'}")
        print(f"events: {system.app.last_position()}")
        for name, position in system.runner.positions().items():
            print(f"read model {name}: {position}")
        return 0
    finally:
        system.shutdown()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yimai",
        description="Yimai (一脉): the audit-grade ledger of a community's service work.",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="database URL (default: $YIMAI_DATABASE_URL or sqlite:///./yimai.db; "
        "postgresql://user@host/db for PostgreSQL)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help=cmd_init.__doc__, description=cmd_init.__doc__)
    p.add_argument(
        "--admin-user",
        metavar="NAME",
        help=f"create this admin without prompting; password from ${ADMIN_PASSWORD_ENV}",
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help=cmd_demo.__doc__, description=cmd_demo.__doc__)
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--members", type=int, default=300, help="members to register (default 300)")
    p.add_argument("--households", type=int, default=200, help="households (default 200)")
    p.add_argument(
        "--requests", type=int, default=300, help="residents' requests to backfill (default 300)"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("tui", help=cmd_tui.__doc__, description=cmd_tui.__doc__)
    p.add_argument(
        "--lang", choices=["zh", "en"], help="interface language (default $YIMAI_LANG or zh)"
    )
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("rebuild", help=cmd_rebuild.__doc__, description=cmd_rebuild.__doc__)
    p.add_argument("name", nargs="?", help="one read model (default: all)")
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("status", help=cmd_status.__doc__, description=cmd_status.__doc__)
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
