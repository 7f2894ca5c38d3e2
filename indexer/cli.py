"""`newsearch`: parse pages, build and update the index, activate a
version built elsewhere, search it.

The web layer adds its own commands (`serve`) through `main(commands=...)`:
the core never imports it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence

from indexer.build import history
from indexer.build.store import IndexBusy, IndexMissing, IndexStore, VersionInvalid, verify_version
from indexer.build.writer import available_cpus
from indexer.facets.registry import FACETS
from indexer.facets.vocabulary import VocabularyError
from indexer.model import ParseError
from indexer.pipeline import Corpus, PageCache, default_index_dir, read_corpus, tagged_items, vocabularies_from
from indexer.search.request import InvalidRequest, parse_search_request

EXIT_BAD_INPUT = 2

log = logging.getLogger("indexer.build")


# A function that adds one subcommand to the `newsearch` parser.
AddCommand = Callable[[argparse._SubParsersAction], None]


def main(argv: Sequence[str] | None = None, commands: Sequence[AddCommand] = ()) -> int:
    args = _parser(commands).parse_args(argv)
    # Builds, updates and activations say what they did (versions written, swapped, pruned).
    writes = args.command in ("build", "update", "activate")
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO if writes else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.run(args)
    except (ParseError, InvalidRequest, IndexBusy, IndexMissing, VocabularyError, VersionInvalid) as err:
        print(f"newsearch {args.command}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # `newsearch parse | head` closed the pipe: not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser(extra_commands: Sequence[AddCommand] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsearch", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="print parsed items as JSON Lines")
    _add_sources(parse)
    parse.add_argument("--check", action="store_true", help="print a summary per page instead; exit non-zero on errors")
    parse.set_defaults(run=cmd_parse)

    for name, run, help_text in (
        ("build", cmd_build, "rebuild the index from scratch"),
        ("update", cmd_update, "apply only what changed to the index"),
    ):
        command = commands.add_parser(name, help=help_text)
        add_index_argument(command)
        _add_sources(command)
        _add_writer_options(command)
        command.add_argument(
            "--processes",
            type=int,
            default=available_cpus(),
            metavar="N",
            help="parse pages and write the index in up to N processes (default: the available CPUs, %(default)s)",
        )
        command.set_defaults(run=run)

    activate = commands.add_parser("activate", help="verify a version directory, copied in if elsewhere, and serve it")
    add_index_argument(activate)
    activate.add_argument(
        "version_dir", metavar="VERSION_DIR", help="a version written by `newsearch build` or `update` (v-...)"
    )
    activate.add_argument(
        "--check-only", action="store_true", help="only verify VERSION_DIR against its checksums; change nothing"
    )
    _add_writer_options(activate)
    activate.set_defaults(run=cmd_activate)

    search = commands.add_parser("search", help="search the index")
    search.add_argument("query", nargs="?", default="")
    search.add_argument("--json", action="store_true", help="print the result as JSON")
    for facet in FACETS:
        search.add_argument(
            f"--{facet.name}",
            action="append",
            default=[],
            metavar=facet.name.upper(),
            help=f"only items with this {facet.title.lower()}: {facet.hint} (repeatable)",
        )
    search.add_argument("--from", dest="date_from", metavar="DATE")
    search.add_argument("--to", dest="date_to", metavar="DATE")
    search.add_argument("--sort", choices=("relevance", "newest", "oldest"), default="relevance")
    search.add_argument("--page", default="1")
    search.add_argument("--per-page", default="10")
    add_index_argument(search)
    search.set_defaults(run=cmd_search)

    for add_command in extra_commands:
        add_command(commands)
    return parser


def _add_sources(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="page files, folders or http(s) URLs (default: the bundled corpus)"
    )
    command.add_argument("--timeout", type=float, default=10.0, help="URL fetch timeout in seconds")
    command.add_argument(
        "--vocabularies",
        metavar="DIR",
        help="the folder of vocabulary files to tag items with (default: $NEWSEARCH_VOCABULARIES or the bundled ones)",
    )


def _add_writer_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--lock-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for another build, update or activation (default 60)",
    )
    command.add_argument("-v", "--verbose", action="store_true")


def add_index_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--index", default=None, metavar="DIR", help="index directory (default: $NEWSEARCH_INDEX_DIR or ./index)"
    )


def _store(args) -> IndexStore:
    return IndexStore(args.index or default_index_dir(), lock_timeout=getattr(args, "lock_timeout", 60.0))


def cmd_parse(args) -> int:
    if args.check:
        from indexer.ingest.sources import check_sources

        failed = False
        for report in check_sources(args.sources, timeout=args.timeout):
            dates = f"{report.date_min} .. {report.date_max}" if report.items else "no dates"
            print(f"{report.page}: {report.items} items, {dates}")
            for warning in report.warnings:
                print(f"  warning: {warning}")
            if report.error:
                print(f"  error: {report.error}")
                failed = True
        return EXIT_BAD_INPUT if failed else 0
    for item in tagged_items(args.sources, args.timeout, vocabularies_from(args.vocabularies)):
        sys.stdout.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    return 0


def cmd_build(args) -> int:
    store = _store(args)
    progress = Progress()
    with history.recorded(store.root, "build"):
        vocabularies = vocabularies_from(args.vocabularies)
        with store.write_lock():
            corpus = _corpus(args, store, vocabularies, progress.stage("parsed"))
            manifest = store.build(
                corpus.items,
                _source_names(args.sources),
                progress=progress.stage("written"),
                processes=args.processes,
                vocabularies=vocabularies,
                words=corpus.words,
            )
    print(f"built {manifest['version']}: {manifest['documents']} documents in {store.root}")
    return 0


def cmd_update(args) -> int:
    store = _store(args)
    with history.recorded(store.root, "update"):
        vocabularies = vocabularies_from(args.vocabularies)
        with store.write_lock():
            corpus = _corpus(args, store, vocabularies, Progress().stage("parsed"))
            counts, manifest = store.update(corpus.items, _source_names(args.sources), vocabularies, corpus.words)
    print(
        f"added {counts.added}, changed {counts.changed}, removed {counts.removed}, "
        f"unchanged {counts.unchanged}; serving {manifest['version']} "
        f"({manifest['documents']} documents)"
    )
    return 0


def cmd_activate(args) -> int:
    if args.check_only:
        manifest = verify_version(args.version_dir)
        print(f"verified {args.version_dir}: {manifest['version']}, {manifest['documents']} documents")
        return 0
    store = _store(args)
    with history.recorded(store.root, "activate"):
        manifest, swapped = store.activate(args.version_dir)
    if swapped:
        print(f"activated {manifest['version']}: {manifest['documents']} documents in {store.root}")
    else:
        print(f"{manifest['version']} is serving already in {store.root}: nothing to do")
    return 0


def _corpus(args, store: IndexStore, vocabularies, progress) -> Corpus:
    """The items of the sources, parsed in parallel; pages unchanged since
    the last build or update of this index are read from its page cache
    (under the write lock, which is held by whoever uses the cache)."""
    return read_corpus(
        args.sources,
        args.timeout,
        vocabularies,
        processes=args.processes,
        cache=PageCache(store.page_cache_folder),
        progress=progress,
    )


def cmd_search(args) -> int:
    from indexer.search.engine import Catalog, search

    params = {
        "q": [args.query],
        "from": [args.date_from or ""],
        "to": [args.date_to or ""],
        "sort": [args.sort],
        "page": [args.page],
        "per_page": [args.per_page],
    }
    params.update({facet.name: getattr(args, facet.name) for facet in FACETS})
    index = Catalog(_store(args)).current()
    result = search(index, parse_search_request(params, index.vocabularies))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    if result["notice"]:
        print(result["notice"])
    print(f"{result['total']} items (page {result['page']} of {result['pages']})")
    for hit in result["results"]:
        dates = (
            hit["date_start"] if hit["date_start"] == hit["date_end"] else f"{hit['date_start']} to {hit['date_end']}"
        )
        print(f"  {dates}  {hit['title']}  [{hit['id']}]")
    if result["suggestion"] and not result["suggestion"]["searched"]:
        print(f"Did you mean: {result['suggestion']['q']}")
    return 0


def _source_names(sources: Sequence[str]) -> list[str]:
    return list(sources) or ["bundled:eu-unodc-news-2019.txt"]


class Progress:
    """A build's progress, stage by stage (items parsed, items written): a
    bar with the elapsed time and rate on a terminal, else a log line at
    every tenth of a stage."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def stage(self, name: str):
        started = time.monotonic()
        shown = [0]

        def show(done: int, total: int) -> None:
            tick = (100 if self.tty else 10) * done // max(total, 1)
            if tick == shown[0]:
                return
            shown[0] = tick
            elapsed = time.monotonic() - started
            line = f"{name} {done:,}/{total:,} items, {elapsed:.1f} s, {done / max(elapsed, 1e-3):,.0f} items/s"
            if not self.tty:
                log.info("%s", line)
                return
            width = 30
            filled = width * done // max(total, 1)
            end = "\n" if done == total else ""
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {line}  {end}")
            self.stream.flush()

        return show


if __name__ == "__main__":
    sys.exit(main())
