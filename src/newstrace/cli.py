"""The ``newstrace`` command: a thin edge over :mod:`newstrace.pipeline` and the store.

Exit codes a script can trust:

* 0 -- everything asked for was done;
* 2 -- the command line was wrong (unknown option, missing argument);
* 3 -- done, but some inputs were skipped (each is listed with its reason);
* 4 -- nothing usable: no input could be read, or an article/item was not found;
* 1 -- a failure of the tool or the store (the message says which).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from newstrace import __version__
from newstrace.pipeline import IngestSummary, analyze, freeze_gc_between_documents, ingest
from newstrace.records import InputError
from newstrace.store import DEFAULT_DB, Store, StoreError

EXIT_OK, EXIT_FAILURE, EXIT_PARTIAL, EXIT_NOTHING = 0, 1, 3, 4

app = typer.Typer(
    name="newstrace",
    help="Trace news claims to their origin: who said what, who reported first, who copied whom.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()

DbOption = Annotated[
    str,
    typer.Option("--db", envvar="NEWSTRACE_DB",
                 help="Store: a SQLite file path, or a postgresql://user@host/db URL."),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
PathsArg = Annotated[
    list[str],
    typer.Argument(help="Files, directories (walked recursively), URLs or URL lists."),
]
TimeoutOption = Annotated[float, typer.Option(
    "--timeout", help="Overall seconds per URL fetch (redirects included).")]
AllowPrivateOption = Annotated[bool, typer.Option(
    "--allow-private-addresses",
    help="Also fetch loopback, private and link-local addresses (refused by default; cloud "
         "metadata addresses stay refused).")]
WorkersOption = Annotated[
    int, typer.Option("--workers", min=1, help="Processes that clean articles in parallel.")
]
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)
FastHtmlOption = Annotated[
    bool, typer.Option("--fast-html", help="Extract HTML with resiliparse: about 2x faster, "
                                           "less precise than the default trafilatura.")
]

FollowSymlinksOption = Annotated[
    bool, typer.Option("--follow-symlinks", help="Follow symlinks that lead out of a given "
                                                 "folder (by default they are reported, not read).")
]


def _version(value: bool) -> None:
    if value:
        out.print(f"newstrace {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """newstrace command line."""


@contextmanager
def _open_store(db: str) -> Iterator[Store]:
    try:
        store = Store.open(db)
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_FAILURE) from exc
    try:
        yield store
    finally:
        store.close()


def _count_files(paths: list[str]) -> int | None:
    """Files to read, for the progress bar's total (None when URLs or archives hide it)."""
    total = 0
    for item in paths:
        path = Path(item)
        if item.startswith(("http://", "https://")) or not path.exists():
            return None
        total += sum(1 for p in path.rglob("*") if p.is_file()) if path.is_dir() else 1
    return total


def _run_ingest(paths: list[str], store: Store, *, quiet: bool, timeout: float,
                workers: int, fast_html: bool = False, follow_symlinks: bool = False,
                allow_private_addresses: bool = False) -> IngestSummary:
    options: dict[str, Any] = {"timeout": timeout, "workers": workers,
                               "html_extractor": "resiliparse" if fast_html else "trafilatura",
                               "follow_symlinks": follow_symlinks,
                               "allow_private_addresses": allow_private_addresses}
    freeze_gc_between_documents()  # a one-shot command: no server to leak from
    if quiet:
        return ingest(paths, store, **options)
    with Progress(SpinnerColumn(), TextColumn("[bold]ingest[/bold] {task.description}"),
                  BarColumn(), MofNCompleteColumn(), console=err, transient=True) as bar:
        task = bar.add_task("", total=_count_files(paths))
        last_file: list[str] = [""]

        def step(source: str) -> None:
            # archives and feeds yield many items per file: advance once per file
            file = source.split("#", 1)[0]
            if file != last_file[0]:
                last_file[0] = file
                bar.update(task, advance=1, description=Path(file).name[:40])

        return ingest(paths, store, progress=step, **options)


def _print_errors(errors: list[InputError], console: Console = err) -> None:
    """The skipped inputs as a table: on stderr beside a command's progress, on stdout
    when they are what was asked for (``list --errors``)."""
    if not errors:
        return
    table = Table(title=f"{len(errors)} input(s) skipped", title_justify="left",
                  show_lines=False)
    table.add_column("input", overflow="fold")
    table.add_column("stage")
    table.add_column("reason", overflow="fold")
    for e in errors:
        table.add_row(e.source, e.stage, e.reason)
    console.print(table)


def _exit_code(summary: IngestSummary) -> int:
    if not summary.article_ids and summary.errors:
        return EXIT_NOTHING
    return EXIT_PARTIAL if summary.errors else EXIT_OK


@app.command("ingest")
def ingest_cmd(paths: PathsArg, db: DbOption = DEFAULT_DB, quiet: QuietOption = False,
               as_json: JsonOption = False, timeout: TimeoutOption = 20.0,
               workers: WorkersOption = DEFAULT_WORKERS, fast_html: FastHtmlOption = False,
               follow_symlinks: FollowSymlinksOption = False,
               allow_private_addresses: AllowPrivateOption = False) -> None:
    """Read, clean and store articles; a rerun adds nothing new."""
    with _open_store(db) as store:
        summary = _run_ingest(paths, store, quiet=quiet or as_json, timeout=timeout,
                              workers=workers, fast_html=fast_html,
                              follow_symlinks=follow_symlinks,
                              allow_private_addresses=allow_private_addresses)
    if as_json:
        out.print_json(json.dumps(summary.to_dict()))
    elif not quiet:
        _print_errors(summary.errors)
        err.print(f"[green]{summary.added} new[/green], {summary.existing} already stored, "
                  f"{len(summary.errors)} skipped  ->  {db}")
    raise typer.Exit(_exit_code(summary))


@app.command("analyze")
def analyze_cmd(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files, directories (walked recursively), URLs or URL lists; none: the "
             "stored articles not analysed yet.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path("out"),
    db: DbOption = DEFAULT_DB,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
    timeout: TimeoutOption = 20.0,
    workers: WorkersOption = DEFAULT_WORKERS,
    fast_html: FastHtmlOption = False,
    follow_symlinks: FollowSymlinksOption = False,
    allow_private_addresses: AllowPrivateOption = False,
) -> None:
    """Ingest PATHS, bring the store's analysis up to date with them, and write
    OUT/report.json and OUT/index.html for the stories they belong to (with every
    stored article of those stories). Without PATHS: the stored articles no analysis
    has placed yet (ingested with `newstrace ingest`)."""
    from newstrace.report import validate_report, write_report

    with _open_store(db) as store:
        if paths:
            summary = _run_ingest(paths, store, quiet=quiet or as_json, timeout=timeout,
                                  workers=workers, fast_html=fast_html,
                                  follow_symlinks=follow_symlinks,
                                  allow_private_addresses=allow_private_addresses)
        else:
            summary = IngestSummary(article_ids=store.unanalysed())
            if not summary.article_ids:
                if as_json:
                    out.print_json(json.dumps({"pending": 0}))
                elif not quiet:
                    err.print("the store's analysis is up to date: no article is pending")
                raise typer.Exit(EXIT_OK)
        if not summary.article_ids:
            _print_errors(summary.errors)
            err.print("[red]error:[/red] no article could be read from the input")
            raise typer.Exit(EXIT_NOTHING)
        if quiet or as_json:
            report = analyze(summary.article_ids, store, errors=summary.errors)
        else:
            with Progress(SpinnerColumn(), TextColumn("[bold]analyse[/bold] {task.description}"),
                          console=err, transient=True) as bar:
                task = bar.add_task("")

                def step(stage: str, phase: str) -> None:
                    if phase == "start":
                        bar.update(task, description=stage)

                report = analyze(summary.article_ids, store, errors=summary.errors,
                                 progress=step)
    validate_report(report)
    folder = write_report(report, out_dir)
    # a stage that failed, is not available (a broken install) or was skipped for want
    # of one is a failure of the tool: the report is incomplete, and the exit code says so
    failed = {k: v for k, v in report["analyses"].items() if v != "done"}
    if as_json:
        out.print_json(json.dumps({"report": str(folder / "report.json"),
                                   "dossier": str(folder / "index.html"),
                                   "analyses": report["analyses"], **summary.to_dict()}))
    elif not quiet:
        _print_errors(summary.errors)
        for stage, state in report["analyses"].items():
            colour = "green" if state == "done" else "yellow"
            err.print(f"  {stage:<11} [{colour}]{state}[/{colour}]")
        counts = ", ".join(counted(len(report[k]), k) for k in REPORT_COUNTS)
        err.print(f"[green]{counted(len(report['articles']), 'articles')}[/green]: {counts}")
        err.print(f"report: {folder / 'report.json'}\ndossier: {folder / 'index.html'}")
    if failed:
        for stage, state in failed.items():
            err.print(f"[red]analysis {stage} {state}[/red]", markup=True, highlight=False)
        raise typer.Exit(EXIT_FAILURE)
    raise typer.Exit(_exit_code(summary))


@app.command("report")
def report_cmd(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path("out"),
    db: DbOption = DEFAULT_DB,
    story: Annotated[str | None, typer.Option(help="Only this story (its id).")] = None,
    since: Annotated[str | None, typer.Option(help="Articles published on or after "
                                                   "(YYYY-MM-DD).", callback=_iso_date)] = None,
    until: Annotated[str | None, typer.Option(help="Articles published on or before "
                                                   "(YYYY-MM-DD).", callback=_iso_date)] = None,
    outlet: Annotated[str | None, typer.Option(help="Only articles of this outlet.")] = None,
    query: Annotated[str | None, typer.Option(help="Only articles with these words.")] = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write OUT/report.json and OUT/index.html for the stored corpus, or a selection of it.

    Nothing is analysed again: the report holds what the store holds (see `analyze`).
    """
    from newstrace.corpus import Selection, SelectionError, report_from_store
    from newstrace.report import validate_report, write_report

    selection = Selection(story=story, since=since, until=until, outlet=outlet, query=query)
    with _open_store(db) as store:
        try:
            report = report_from_store(store, selection)
        except SelectionError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(EXIT_NOTHING) from None
    validate_report(report)
    folder = write_report(report, out_dir)
    if as_json:
        out.print_json(json.dumps({"report": str(folder / "report.json"),
                                   "dossier": str(folder / "index.html"),
                                   **{k: len(report[k]) for k in ("articles", *REPORT_COUNTS)}}))
    elif not quiet:
        counts = ", ".join(counted(len(report[k]), k) for k in REPORT_COUNTS)
        err.print(f"[green]{counted(len(report['articles']), 'articles')}[/green]: {counts}")
        err.print(f"report: {folder / 'report.json'}\ndossier: {folder / 'index.html'}")
    if not report["articles"]:
        raise typer.Exit(EXIT_NOTHING)


@app.command("export")
def export_cmd(
    out_dir: Annotated[Path, typer.Argument(help="Folder for the files (made if missing).")],
    export_format: Annotated[str, typer.Option(
        "--format", help="File format: parquet (one file a table, see docs/export.md).")
    ] = "parquet",
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Write the store's tables (articles, reuse edges, events, stories, entities,
    attributions, claims, citations, anomalies) for DuckDB, pandas or Spark."""
    if export_format != "parquet":
        raise typer.BadParameter(f"{export_format!r}: the one format is parquet",
                                 param_hint="--format")
    from newstrace.export import export_parquet

    with _open_store(db) as store:
        paths = export_parquet(store, out_dir)
    if as_json:
        out.print_json(json.dumps({name: str(path) for name, path in paths.items()}))
    else:
        for name, path in paths.items():
            err.print(f"  {name:<12} {path}")


@app.command("spark")
def spark_cmd(
    inputs: Annotated[list[str], typer.Argument(
        help="WARC, JSONL, text or HTML files or folders: local paths, Hadoop URLs "
             "(file://, s3a://, hdfs://...), or manifests of WARC paths (*.paths.gz).")],
    out_dir: Annotated[str, typer.Option(
        "--out", "-o", help="Folder (local or Hadoop URL) for the Parquet tables.")],
    master: Annotated[str | None, typer.Option(
        "--master", help="Spark master (default: local[*]).")] = None,
    manifest_prefix: Annotated[str | None, typer.Option(
        "--manifest-prefix", help="Where relative manifest lines point (s3a://commoncrawl/ "
                                  "for CC-NEWS; default: the manifest's folder).")] = None,
    conf: Annotated[list[str] | None, typer.Option(
        "--conf", help="A Spark setting KEY=VALUE; repeat for several.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the analyses as a Spark job: Parquet tables in OUT (see docs/spark.md),
    which `newstrace load` brings into a store. Needs newstrace[spark]."""
    try:
        import pyspark  # noqa: F401

        from newstrace.spark.job import JobOptions, run_job
    except ImportError:
        err.print("[red]error:[/red] the Spark job needs pyspark: "
                  "pip install 'newstrace\\[spark]'")
        raise typer.Exit(EXIT_FAILURE) from None
    settings = dict(item.split("=", 1) for item in conf or [] if "=" in item)
    summary = run_job(JobOptions(list(inputs), out_dir, master, manifest_prefix,
                                 conf=settings))
    if as_json:
        out.print_json(json.dumps(summary.to_dict()))
    else:
        err.print(f"[green]{counted(summary.articles, 'articles')}[/green] from "
                  f"{summary.files} file(s), {summary.errors} error(s), "
                  f"{summary.scopes} scope(s)  ->  {out_dir}")
        for stage, state in summary.analyses.items():
            colour = "green" if state == "done" else "yellow"
            err.print(f"  {stage:<11} [{colour}]{state}[/{colour}]")
    if not summary.articles:
        raise typer.Exit(EXIT_NOTHING)
    if any(state != "done" for state in summary.analyses.values()):
        raise typer.Exit(EXIT_FAILURE)
    raise typer.Exit(EXIT_PARTIAL if summary.errors else EXIT_OK)


@app.command("load")
def load_cmd(
    folder: Annotated[Path, typer.Argument(help="The output folder of `newstrace spark`.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Bring the Parquet tables of a Spark run into the store: then report, serve and
    the library work on them, and a later analyze links new articles to the loaded
    ones (see docs/spark.md). Loading a folder twice loads it once."""
    from newstrace.spark.load import load_tables

    with _open_store(db) as store:
        try:
            loaded = load_tables(folder, store)
        except FileNotFoundError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(EXIT_NOTHING) from None
    if as_json:
        out.print_json(json.dumps(loaded))
    else:
        err.print(f"[green]{counted(loaded['articles'], 'articles')}[/green], "
                  f"{loaded['scopes']} scope(s), {loaded['errors']} new error(s)  ->  {db}")
        indexes = loaded["indexes"]
        colour = "green" if indexes == "loaded" else "yellow"
        err.print(f"  stage indexes [{colour}]{indexes}[/{colour}]")


#: what the summary of a report counts, with each kind's name for one and for several
REPORT_COUNTS = ("reuse", "stories", "claims", "entities", "citations", "anomalies")
_NAMES = {"articles": ("article", "articles"), "reuse": ("reuse edge", "reuse edges"),
          "stories": ("story", "stories"), "claims": ("claim", "claims"),
          "entities": ("entity", "entities"), "citations": ("citation", "citations"),
          "anomalies": ("anomaly", "anomalies")}


def counted(n: int, kind: str) -> str:
    """``n`` things of ``kind``, singular or plural as English wants.

    >>> counted(1, "stories"), counted(0, "stories"), counted(2, "reuse")
    ('1 story', '0 stories', '2 reuse edges')
    """
    one, many = _NAMES.get(kind, (kind, kind))
    return f"{n} {one if n == 1 else many}"


def _iso_date(value: str | None) -> str | None:
    """A --since / --until value: a real calendar date, or a usage error (exit 2)."""
    if value is None:
        return None
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return value


@app.command("list")
def list_cmd(
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    since: Annotated[str | None, typer.Option(help="Published on or after (YYYY-MM-DD).",
                                             callback=_iso_date)] = None,
    until: Annotated[str | None, typer.Option(help="Published on or before (YYYY-MM-DD).",
                                             callback=_iso_date)] = None,
    search: Annotated[str | None, typer.Option(help="Words in title or text.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    errors: Annotated[bool, typer.Option("--errors", help="List skipped inputs instead.")] = False,
) -> None:
    """List stored articles (or, with --errors, the inputs that were skipped)."""
    with _open_store(db) as store:
        if errors:
            rows = [e.to_dict() for e in store.errors(limit)]
            if as_json:
                out.print_json(json.dumps(rows))
            else:
                errors_found = store.errors(limit)
                if errors_found:
                    _print_errors(errors_found, out)
                else:
                    out.print("no input was skipped")
            return
        filters: dict[str, Any] = {"outlet": outlet, "since": since, "until": until,
                                   "query": search}
        total = store.count(**filters)
        found = store.list_articles(limit=limit, offset=offset, **filters)
    if as_json:
        keys = ("id", "source", "outlet", "title", "published", "language")
        out.print_json(json.dumps({"total": total, "articles": [
            {k: getattr(a, k) for k in keys} for a in found]}))
        return
    if not out.is_terminal:  # piped or redirected: one tab-separated line an article
        for a in found:
            print("\t".join((a.id, a.published or "-", a.outlet or "-", a.language or "-",
                             " ".join((a.title or "-").split()))))
        return
    table = Table(title=f"{total} article(s)", title_justify="left")
    # an id is what a user copies into `show`: never folded, whatever the width (off a
    # terminal rich assumes 80 columns); the title takes what is left
    table.add_column("id", no_wrap=True, min_width=16)
    for column in ("published", "outlet", "lang"):
        table.add_column(column, no_wrap=True)
    table.add_column("title", overflow="fold")
    for a in found:
        table.add_row(a.id, a.published or "-", a.outlet or "-", a.language or "-",
                      a.title or "-")
    out.print(table)


#: the fewest characters of an id `show` takes as its start
MIN_ID_PREFIX = 4


@app.command("show")
def show_cmd(
    article_id: Annotated[str, typer.Argument(
        help="Article id (see `newstrace list`), or its first 4 characters or more.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
    boilerplate: Annotated[bool, typer.Option(help="Also print what was removed.")] = False,
) -> None:
    """Show one stored article: metadata, cleaned text and removed boilerplate."""
    with _open_store(db) as store:
        article = store.get(article_id)
        matches = store.ids_starting(article_id) if article is None else []
        if len(matches) == 1 and len(article_id) >= MIN_ID_PREFIX:  # a unique prefix, as in git
            article = store.get(matches[0])
    if article is None:
        if len(matches) > 1:
            err.print(f"[red]error:[/red] {article_id!r} is the start of several ids "
                      f"({', '.join(matches)}, ...): give more of it")
        else:
            err.print(f"[red]error:[/red] no article with id {article_id!r}")
        raise typer.Exit(EXIT_NOTHING)
    if as_json:
        out.print_json(json.dumps(article.to_dict()))
        return
    out.print(f"[bold]{article.title or '(no title)'}[/bold]")
    out.print(f"outlet: {article.outlet or '-'} ({article.outlet_from or '-'})   "
              f"published: {article.published or '-'} ({article.published_from or '-'})   "
              f"language: {article.language or '-'}")
    if article.authors:
        out.print("authors: " + ", ".join(article.authors))
    out.print(f"source: {article.source}\n")
    out.print(article.text, markup=False, highlight=False)
    if boilerplate:
        out.print(f"\n[bold]boilerplate removed ({len(article.boilerplate)})[/bold]")
        for b in article.boilerplate:
            out.print(f"[yellow]{b.reason}[/yellow]: ", end="")
            out.print(b.text, markup=False, highlight=False)


@app.command("serve")
def serve_cmd(
    db: DbOption = DEFAULT_DB,
    host: Annotated[str, typer.Option(
        "--host", help="Address to bind (only 127.0.0.1 and ::1 count as loopback: any "
                       "other, localhost included, needs --token).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="NEWSTRACE_TOKEN",
        help="Bearer token needed by write endpoints (required off loopback).")] = None,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", help="A host name clients may use (a reverse proxy's, a LAN name); "
                             "repeat for several. IP addresses and localhost always may.")
    ] = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, help="Server processes sharing the port (more than one uses "
                                 "more cores; each keeps its own jobs).")] = 1,
) -> None:
    """Serve the web UI and the HTTP API over the store."""
    from newstrace.server import serve

    code = serve(db, host=host, port=port, token=token, echo=err.print,
                 allowed_hosts=allow_host or [], workers=workers)
    raise typer.Exit(code)


def run() -> None:
    """Console entry point: an unexpected error is one clear line and exit code 1.

    Set ``NEWSTRACE_DEBUG=1`` for the full traceback.
    """
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("NEWSTRACE_DEBUG"):
            raise
        err.print(f"[red]error:[/red] {type(exc).__name__}: {exc}")
        sys.exit(EXIT_FAILURE)
