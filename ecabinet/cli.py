"""`ecabinet serve | demo | db upgrade | user add | sfu | backup | restore`: a node's commands."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from ecabinet.config import Settings, load_settings


def _quiet_collector() -> None:
    # A full collection walks every tracked object: with 1,000 tablets connected it took
    # ~250 ms every few seconds, and every ballot queued behind it (bench/vote_round.py:
    # ack p99 320 ms). What exists now (modules, the app) lives as long as the process,
    # so freeze it out of the collector's sight, and collect the young less often so
    # short-lived objects die before they are promoted (p99 then ~70 ms).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from ecabinet import logs
    from ecabinet.app import create_app

    # Configured here rather than by uvicorn (log_config=None), so its lines too come out
    # in ECABINET_LOG_FORMAT and carry the request id.
    logs.configure(settings.log_format)
    app = create_app(settings)
    _quiet_collector()
    print(f"eCabinet đang chạy tại / is running at  http://{host}:{port}/", flush=True)
    # Browsers offer permessage-deflate; each compressed socket keeps zlib state of
    # about 256 KB, far more than the small JSON events it would save on.
    uvicorn.run(app, host=host, port=port, log_level="info", log_config=None,
                ws="websockets-sansio", ws_per_message_deflate=False, proxy_headers=True)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Upgrade the database and serve HTTP, socket.io and the UI."""
    from ecabinet.schema import upgrade

    if not args.no_upgrade:
        upgrade(settings.database_url)
    _serve(settings, args.host or settings.host, args.port or settings.port)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Load the demo province into the database, print the logins, and optionally serve."""
    from ecabinet import db, demo
    from ecabinet.schema import upgrade

    upgrade(settings.database_url)

    async def load() -> list[demo.DemoLogin]:
        engine = db.create_engine(settings.database_url)
        try:
            async with db.transaction(db.sessionmaker(engine)) as session:
                return await demo.load(session)
        finally:
            await engine.dispose()

    logins = asyncio.run(load())
    print("\nTài khoản demo / demo accounts (mật khẩu / password: "
          f"{demo.DEMO_PASSWORD}):")
    for login in logins:
        print(f"  {login.username:<16} {login.role:<12} {login.full_name}")
    print(flush=True)
    if args.serve:
        _serve(settings, args.host or settings.host, args.port or settings.port)
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """Database maintenance."""
    from ecabinet.schema import upgrade

    upgrade(settings.database_url, args.revision)
    print(f"database upgraded to {args.revision}")
    return 0


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    """Create an account from the command line (the first admin, typically)."""
    from ecabinet import accounts, db
    from ecabinet.errors import DomainError
    from ecabinet.i18n import translate
    from ecabinet.schema import upgrade

    password = args.password or getpass.getpass("Mật khẩu / password: ")
    upgrade(settings.database_url)

    async def add() -> None:
        engine = db.create_engine(settings.database_url)
        try:
            async with db.transaction(db.sessionmaker(engine)) as session:
                await accounts.create_user(
                    session, username=args.username, full_name=args.name, password=password,
                    role=args.role, unit_id=args.unit, title=args.title,
                )
        finally:
            await engine.dispose()

    try:
        asyncio.run(add())
    except DomainError as exc:
        print(translate(exc.code, "vi", exc.params), file=sys.stderr)
        return 2
    print(f"created {args.username} ({args.role})")
    return 0


def cmd_sfu(args: argparse.Namespace, settings: Settings) -> int:
    """Run a standalone SFU node, optionally cascading from an upstream node."""
    from realtime.sfu.cascade import run_node

    run_node(upstream=args.upstream or settings.sfu_upstream or None,
             host=args.host or settings.host, port=args.port or 8600,
             token=args.token or settings.sfu_token, ice_servers=settings.ice_servers)
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Write one archive of the database and the data directory (safe while serving)."""
    from ecabinet import backup

    try:
        archive = backup.backup(settings, Path(args.dest))
    except backup.BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(archive)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Put back an archive written by `ecabinet backup` (the server must be stopped)."""
    from ecabinet import backup

    try:
        restored = backup.restore(settings, Path(args.archive), force=args.force)
    except backup.BackupError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 1
    print(f"restored the {restored.database} database (revision {restored.revision}, "
          f"migrated to head) and {restored.files} files into {settings.data_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="ecabinet",
        description="eCabinet — phòng họp không giấy. Settings come from ECABINET_* "
        "environment variables (ECABINET_DATABASE_URL, ECABINET_DATA_DIR, ECABINET_REDIS_URL...).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="upgrade the database and run the server")
    serve.add_argument("--host", default=None, help="address to bind (ECABINET_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (ECABINET_PORT)")
    serve.add_argument("--no-upgrade", action="store_true", help="skip database migrations")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="load a demo province with accounts and meetings")
    demo.add_argument("--serve", action="store_true", help="run the server afterwards")
    demo.add_argument("--host", default=None)
    demo.add_argument("--port", type=int, default=None)
    demo.set_defaults(func=cmd_demo)

    dbp = sub.add_parser("db", help="database maintenance")
    dbsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="heads")
    up.set_defaults(func=cmd_db)

    user = sub.add_parser("user", help="manage accounts")
    usub = user.add_subparsers(dest="user_command", required=True)
    add = usub.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="full name")
    add.add_argument("--role", required=True,
                     choices=["admin", "secretary", "chair", "delegate", "remote_room",
                              "observer"])
    add.add_argument("--unit", type=int, default=None, help="unit id")
    add.add_argument("--title", default="", help="position, e.g. Chủ tịch UBND tỉnh")
    add.add_argument("--password", default=None, help="omit to be asked")
    add.set_defaults(func=cmd_user_add)

    sfu = sub.add_parser("sfu", help="run a video SFU node (cascading from --upstream)")
    sfu.add_argument("--upstream", default=None, help="URL of the parent SFU node")
    sfu.add_argument("--host", default=None)
    sfu.add_argument("--port", type=int, default=None)
    sfu.add_argument("--token", default="",
                     help="shared secret between SFU nodes (ECABINET_SFU_TOKEN)")
    sfu.set_defaults(func=cmd_sfu)

    back = sub.add_parser("backup", help="write a backup archive of the database and files")
    back.add_argument("dest", metavar="DEST_DIR", help="folder the archive is written to")
    back.set_defaults(func=cmd_backup)

    rest = sub.add_parser("restore", help="restore a backup archive (server stopped)")
    rest.add_argument("archive", metavar="ARCHIVE", help="an ecabinet-backup-*.tar.gz")
    rest.add_argument("--force", action="store_true",
                      help="replace a data directory or database that is not empty")
    rest.set_defaults(func=cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ecabinet` command."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    code: int = args.func(args, settings)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
