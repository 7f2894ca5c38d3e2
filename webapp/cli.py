"""The `newsearch` command: the core's commands, plus `serve`, which runs
the web app under gunicorn."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from indexer import cli
from indexer.pipeline import default_index_dir
from webapp.report import DEFAULT_REPORT_DAYS, editors_report, format_report


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, commands=[add_serve, add_report])


def add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the web app with gunicorn")
    serve.add_argument("--host", default=os.environ.get("NEWSEARCH_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=None)
    cli.add_index_argument(serve)
    serve.set_defaults(run=cmd_serve)


def add_report(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="what visitors search for and do not find; the editors' files")
    report.add_argument("--days", type=float, default=DEFAULT_REPORT_DAYS, help="the days covered (default: 30)")
    report.add_argument("--json", action="store_true", help="print JSON, as GET /api/admin/report gives it")
    cli.add_index_argument(report)
    report.set_defaults(run=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """The report, with the settings the service runs with (NEWSEARCH_*)."""
    from webapp import create_app

    index_dir = Path(args.index or default_index_dir()).resolve()
    app = create_app({"INDEX_DIR": str(index_dir)})
    report = editors_report(app, args.days)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else format_report(report), end="")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Replace this process with gunicorn serving `webapp:create_app()`."""
    conf = Path(__file__).with_name("gunicorn_conf.py")
    argv = [sys.executable, "-m", "gunicorn", "--config", str(conf), "--bind", f"{args.host}:{args.port}"]
    if args.workers:
        argv += ["--workers", str(args.workers)]
    argv.append("webapp:create_app()")
    index_dir = Path(args.index or default_index_dir()).resolve()
    os.execve(sys.executable, argv, dict(os.environ, NEWSEARCH_INDEX_DIR=str(index_dir)))
    return 0  # not reached: the process is now gunicorn


if __name__ == "__main__":
    sys.exit(main())
