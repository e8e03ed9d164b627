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
        system.seal.catch_up()
        print(f"Initialized {system.settings.redacted_url()} with admin account '{username}'.")
        print(f"Checkpoints are signed with the key at {system.seal.key_path}.")
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
        system.seal.ensure_key()
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
        system.seal.catch_up()
        checkpoint = system.seal.checkpoint()
        print(f"Demo community loaded into {system.settings.redacted_url()}.")
        print(f"Sealed {checkpoint['tree_size']:,} events; checkpoint signed.")
        print(f"Accounts (password '{DEMO_PASSWORD}'):")
        for username, role in accounts.items():
            print(f"  {username:<16} {role}")
        return 0
    finally:
        system.shutdown()


def serve_processes(target: str, host: str, port: int, workers: int, factory: bool) -> None:
    """Serve the ASGI app named by `target` ("module:attribute") from `workers` processes
    on one socket, as `uvicorn --workers` does, but with TCP_NODELAY on its connections."""
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        target, factory=factory, host=host, port=port, workers=workers, log_level="info"
    )
    bound = config.bind_socket()
    # uvicorn binds the workers' socket with protocol 0, and asyncio then leaves Nagle's
    # algorithm on for every connection (uvicorn issue #3149): each answer on a kept-alive
    # connection waited ~40 ms for the client's delayed ACK. The same socket, said to be
    # TCP, gets TCP_NODELAY on every connection it accepts.
    sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    sock.set_inheritable(True)
    Multiprocess(config, sockets=[sock]).run()


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the public site at / and the HTTP API under /api (docs at /api/docs)."""
    import uvicorn

    from web.site import create_server

    if args.workers > 1:
        # Each worker process opens the books itself, from the environment; they follow
        # the log side by side (the runner and the sealer move by compare-and-set).
        settings = _settings(args)
        os.environ["YIMAI_DATABASE_URL"] = settings.database_url
        serve_processes("web.site:server_from_env", args.host, args.port, args.workers, True)
        return 0
    system = _open(args, follow=True)
    try:
        uvicorn.run(create_server(system), host=args.host, port=args.port, log_level="info")
    finally:
        system.shutdown()
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure the suite of figures (ratios against baselines run beside them) on the
    database given with --database, or on a demo built for the run; see bench/README.md."""
    from bench import suite

    return suite.main_with(args, args.database)


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
        print(f"sealed: {system.seal.sealed_count()} (up to position {system.seal.position()})")
        latest = system.seal.latest_checkpoint()
        if latest is None:
            print("latest checkpoint: none")
        else:
            print(
                f"latest checkpoint: {latest['tree_size']} events, made at {latest['made_at']}, "
                f"key {latest['key_id']}"
            )
        return 0
    finally:
        system.shutdown()


def cmd_key(args: argparse.Namespace) -> int:
    """Print the public key that checks this Yimai's checkpoints (PEM)."""
    from projections.seal import SealError, load_signing_key, public_pem

    path = _settings(args).signing_key
    try:
        print(public_pem(load_signing_key(path)), end="")
    except SealError as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    """Seal every event written so far and sign a checkpoint of the log."""
    from projections.seal import SealError

    system = _open(args)
    try:
        try:
            cp = system.seal.checkpoint()
        except SealError as error:
            print(f"No checkpoint: {error}", file=sys.stderr)
            return 1
        print(
            f"Checkpoint: {cp['tree_size']:,} events, root {cp['root']}, "
            f"made at {cp['made_at']}, key {cp['key_id']}."
        )
        return 0
    finally:
        system.shutdown()


def cmd_proof(args: argparse.Namespace) -> int:
    """Write a proof file: that an event is in the signed log (inclusion), or that one
    checkpoint extends another unchanged (--consistency M N)."""
    import json

    from projections.seal import SealError

    if (args.position is None) == (args.consistency is None):
        print("Give an event POSITION, or --consistency M N.", file=sys.stderr)
        return 2
    if args.consistency is not None and args.checkpoint is not None:
        print("--checkpoint goes with an event POSITION, not with --consistency.", file=sys.stderr)
        return 2
    system = _open(args)
    try:
        try:
            if args.consistency is not None:
                m, n = args.consistency
                document = system.seal.consistency_proof(m, n)
                what = f"consistency proof from checkpoint {m} to checkpoint {n}"
            else:
                document = system.seal.inclusion_proof(args.position, args.checkpoint)
                what = (
                    f"inclusion proof of the event at position {args.position} "
                    f"(leaf {document['leaf_index']} of {document['tree_size']})"
                )
        except SealError as error:
            print(f"No proof: {error}", file=sys.stderr)
            return 1
    finally:
        system.shutdown()
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"Wrote the {what} to {args.output}.")
    else:
        sys.stdout.write(text)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Recompute the seal from the stored events and check every checkpoint; exit 1 and
    say where, if anything was changed."""
    import gc
    import json
    from contextlib import nullcontext

    public_key = None
    if args.public_key:
        with open(args.public_key, encoding="utf-8") as pem:
            public_key = pem.read()
    system = _open(args)
    # Everything loaded so far lives as long as this one-shot process: keep it out of
    # the garbage collector's scans, which otherwise cost a third of a verify's time.
    gc.freeze()
    try:
        if sys.stderr.isatty() and not args.json:
            from rich.console import Console
            from rich.progress import Progress

            bar: Progress | None = Progress(console=Console(stderr=True), transient=True)
        else:
            bar = None
        with bar or nullcontext():
            if bar is not None:
                task = bar.add_task("verify", total=system.app.last_position() or 1)

                def advance(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                report = system.seal.verify(advance, public_key_pem=public_key)
            else:
                report = system.seal.verify(public_key_pem=public_key)
    finally:
        system.shutdown()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return 0 if report.ok else 1
    rate = report.events / max(report.seconds, 1e-9)
    print(
        f"Checked {report.events:,} events against {report.sealed:,} sealed leaves and "
        f"{report.checkpoints:,} checkpoints"
        + (f" (key {report.key_id})" if report.key_id else "")
        + f" in {report.seconds:.2f} s ({rate:,.0f} events/s)."
    )
    if report.unsealed:
        print(f"{report.unsealed:,} newer events are not sealed yet (`yimai checkpoint` seals).")
    if report.latest_checkpoint:
        cp = report.latest_checkpoint
        print(f"Latest checkpoint: {cp['tree_size']:,} events, made at {cp['made_at']}.")
    if report.ok:
        print("OK: the log is intact.")
        return 0
    for problem in report.problems:
        print(f"PROBLEM ({problem.kind}): {problem.message}")
    hidden = report.problem_count - len(report.problems)
    if hidden:
        print(f"… and {hidden:,} more.")
    print(f"FAILED: {report.problem_count:,} problem(s).")
    return 1


def cmd_verify_proof(args: argparse.Namespace) -> int:
    """Check a proof file against its signed checkpoint, with no database."""
    from verifier.yimai_verify import main as verify_main

    argv = [args.file]
    if args.public_key:
        argv += ["--public-key", args.public_key]
    if args.key_id:
        argv += ["--key-id", args.key_id]
    return verify_main(argv)


def cmd_export(args: argparse.Namespace) -> int:
    """Write an evidence bundle: the events of an entity, an actor or a range of dates,
    each with its inclusion proof, the checkpoint and the public key, in one file that
    `yimai_verify.py` checks with no database."""
    from projections.evidence import EvidenceError, prepare_evidence
    from projections.seal import SealError

    if not args.evidence:
        print("Say what to export: --evidence.", file=sys.stderr)
        return 2
    chosen = [
        name
        for name, value in (("--entity", args.entity), ("--actor", args.actor))
        if value is not None
    ]
    if len(chosen) > 1:
        print("Give --entity or --actor, not both.", file=sys.stderr)
        return 2
    if not chosen and args.since is None:
        print("Give --entity ID, --actor NAME, or --since DATE [--until DATE].", file=sys.stderr)
        return 2
    system = _open(args)
    path = args.output
    try:
        try:
            bundle = prepare_evidence(
                system, entity=args.entity, actor=args.actor, since=args.since, until=args.until
            )
            path = path or bundle.selection.file_name()
            bundle.write(path)
        except EvidenceError as error:
            print(f"No evidence bundle: {error}", file=sys.stderr)
            return 2 if error.field else 1
        except SealError as error:
            print(f"No evidence bundle: {error}", file=sys.stderr)
            return 1
        except OSError as error:
            where = error.filename or path
            print(f"No evidence bundle: {where}: {error.strerror or error}", file=sys.stderr)
            return 1
    finally:
        system.shutdown()
    cp = bundle.checkpoint
    print(
        f"Wrote the evidence bundle of {bundle.selection.describe()} to {path}: "
        f"{bundle.count:,} events of {bundle.aggregates:,} aggregates, leaves "
        f"{bundle.leaves[0]} to {bundle.leaves[-1]}, under checkpoint {cp['tree_size']:,} "
        f"(key {cp['key_id']})."
    )
    print(f"Check it with no database: python yimai_verify.py {path} --public-key PUBLISHED.pem")
    return 0


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

    from cli import generate

    doc = generate.run.__doc__
    p = sub.add_parser("generate", help=doc, description=doc)
    generate.add_arguments(p)
    p.set_defaults(func=generate.run)

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--workers", type=int, default=1, help="server processes (default 1; PostgreSQL scales)"
    )
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

    p = sub.add_parser("key", help="the checkpoint signing key", description=cmd_key.__doc__)
    key_sub = p.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    k = key_sub.add_parser("export", help=cmd_key.__doc__, description=cmd_key.__doc__)
    k.set_defaults(func=cmd_key)

    p = sub.add_parser(
        "checkpoint", help=cmd_checkpoint.__doc__, description=cmd_checkpoint.__doc__
    )
    p.set_defaults(func=cmd_checkpoint)

    p = sub.add_parser("proof", help=cmd_proof.__doc__, description=cmd_proof.__doc__)
    p.add_argument("position", nargs="?", type=int, help="the event's position in the log")
    p.add_argument(
        "--checkpoint",
        metavar="SIZE",
        type=int,
        help="prove against this checkpoint (default: the latest; one is signed if none "
        "covers the event yet)",
    )
    p.add_argument(
        "--consistency",
        nargs=2,
        type=int,
        metavar=("M", "N"),
        help="prove that checkpoint N extends checkpoint M (sizes)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: print)")
    p.set_defaults(func=cmd_proof)

    p = sub.add_parser("verify", help=cmd_verify.__doc__, description=cmd_verify.__doc__)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--public-key",
        metavar="PEM_FILE",
        help="check signatures with this public key (default: the signing key's)",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "verify-proof", help=cmd_verify_proof.__doc__, description=cmd_verify_proof.__doc__
    )
    p.add_argument("file", help="the proof file (JSON)")
    pin = p.add_mutually_exclusive_group()
    pin.add_argument("--public-key", metavar="PEM_FILE", help="the public key the file must carry")
    pin.add_argument("--key-id", metavar="HEX", help="the key id the file's key must have")
    p.set_defaults(func=cmd_verify_proof)

    p = sub.add_parser("export", help=cmd_export.__doc__, description=cmd_export.__doc__)
    p.add_argument(
        "--evidence",
        action="store_true",
        help="an evidence bundle (events, inclusion proofs, checkpoint, public key, manifest)",
    )
    p.add_argument("--entity", metavar="ID", help="every event of this aggregate (its id)")
    p.add_argument("--actor", metavar="NAME", help="every event this staff account caused")
    p.add_argument(
        "--since",
        metavar="DATE",
        help="from this date (YYYY-MM-DD, in YIMAI_TIMEZONE) or time (ISO 8601): alone, "
        "the events saved since then; with --actor, that actor's events dated since then",
    )
    p.add_argument(
        "--until", metavar="DATE", help="up to this date (the whole day) or time, inclusive"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here (default: a name from the selection, e.g. evidence-entity-ID.json)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("bench", help=cmd_bench.__doc__, description=cmd_bench.__doc__)
    from bench import suite

    suite.add_arguments(p)
    p.set_defaults(func=cmd_bench)
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
