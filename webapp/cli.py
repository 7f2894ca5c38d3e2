"""The `newsearch` command: the core's commands, plus `serve`, which runs
the web app under gunicorn."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from indexer import cli
from indexer.pipeline import default_index_dir


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, commands=[add_serve])


def add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the web app with gunicorn")
    serve.add_argument("--host", default=os.environ.get("NEWSEARCH_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=None)
    cli.add_index_argument(serve)
    serve.set_defaults(run=cmd_serve)


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
