"""Run the web app under gunicorn (`newsearch serve`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def serve(host: str, port: int, workers: int | None, index_dir: str) -> int:
    conf = Path(__file__).with_name("gunicorn_conf.py")
    argv = [sys.executable, "-m", "gunicorn", "--config", str(conf), "--bind", f"{host}:{port}"]
    if workers:
        argv += ["--workers", str(workers)]
    argv.append("webapp:create_app()")
    env = dict(os.environ, NEWSEARCH_INDEX_DIR=str(Path(index_dir).resolve()))
    os.execve(sys.executable, argv, env)
    return 0  # not reached: the process is now gunicorn
