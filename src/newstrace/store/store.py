"""The store: articles, ingest errors and analysis results, in SQLite or PostgreSQL.

    >>> store = Store.open(":memory:")
    >>> store.count()
    0

One data layer (SQLAlchemy 2 Core) serves both engines; Alembic migrations
create and upgrade the schema when a store is opened. Every write is a
transaction: an interrupted ingest leaves whole articles or none, and a rerun
skips what is already stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement

from newstrace.records import Article, Boilerplate, InputError
from newstrace.store.schema import (
    article_products,
    article_scopes,
    articles,
    index_keys,
    ingest_errors,
    result_articles,
    results,
    sources,
    stage_rows,
    stage_state,
)

#: a word of a full-text query
_WORD = re.compile(r"\w+", re.UNICODE)
#: the shortest last word of a query matched as a prefix: one or two letters would
#: match a good part of the vocabulary, and nobody means them so ("un" is the UN)
PREFIX_MIN_CHARS = 3


def query_words(query: str | None) -> list[str]:
    """The words of a full-text query (at most 16), in order.

    >>> query_words("Wang Yi's  peace-plan")
    ['Wang', 'Yi', 's', 'peace', 'plan']
    """
    return _WORD.findall(query or "")[:16]


def _is_prefix(word: str) -> bool:
    return len(word) >= PREFIX_MIN_CHARS


def fts5_match(words: Sequence[str]) -> str:
    """The SQLite FTS5 expression of :meth:`Store.filter_articles`: every word, the last
    as a prefix when it is long enough; quoted, so that FTS5 operators in user input
    are taken literally.

    >>> fts5_match(["drone", "sanc"]), fts5_match(["drone", "un"])
    ('"drone" "sanc"*', '"drone" "un"')
    """
    quoted = [f'"{w}"' for w in words]
    if _is_prefix(words[-1]):
        quoted[-1] += "*"
    return " ".join(quoted)

DEFAULT_DB = "newstrace.db"
MIGRATIONS = Path(__file__).with_name("migrations")
#: how long (ms) a SQLite writer waits for another process's write transaction
BUSY_TIMEOUT_MS = 30_000
#: first key of the PostgreSQL advisory locks taken by writers ("nt" + "st")
_PG_LOCK_CLASS = 0x6E74_7374
#: first key of the PostgreSQL advisory lock held by an analysis ("nt" + "an")
_PG_ANALYSIS_LOCK = 0x6E74_616E



def article_conditions(outlet: str | ColumnElement[str] | None,
                       since: str | ColumnElement[str] | None,
                       until: str | ColumnElement[str] | None) -> list[ColumnElement[bool]]:
    """The conditions of the one article filter on outlet and dates, for values or bound
    parameters (None: not filtered): ``outlet`` in any case (``lower()`` on both sides:
    SQLite's folds ASCII only, Python's all); ``until`` counts a date-time on its last
    day (compared with the day's end).

    >>> len(article_conditions("CNN", None, "2023-02-24"))
    2
    """
    conditions: list[ColumnElement[bool]] = []
    if outlet is not None:
        conditions.append(func.lower(articles.c.outlet) == func.lower(outlet))
    if since is not None:
        conditions.append(articles.c.published >= since)
    if until is not None:
        conditions.append(articles.c.published <= until + "\uffff")
    return conditions


class StoreError(RuntimeError):
    """The store cannot be opened or written (bad URL, server down, schema too new)."""


def database_url(target: str | None) -> str:
    """Turn a ``--db`` value into a SQLAlchemy URL.

    >>> database_url("postgresql://u@h/db")
    'postgresql+psycopg://u@h/db'
    >>> database_url("data/news.db")
    'sqlite:///data/news.db'
    >>> database_url(":memory:")
    'sqlite://'
    """
    target = target or DEFAULT_DB
    if target == ":memory:":
        return "sqlite://"
    for prefix in ("postgresql://", "postgres://"):
        if target.startswith(prefix):
            return "postgresql+psycopg://" + target[len(prefix) :]
    if "://" in target:
        return target
    return f"sqlite:///{target}"


def raw_digest(content: bytes | str) -> str:
    """SHA-256 of a raw input part, to tell a changed file from one already read."""
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


#: at most this many values in one ``IN (...)`` list: SQLite allows 32,766 host
#: parameters a statement, PostgreSQL 65,535; smaller lists also keep plans cheap
IN_CHUNK = 500


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in consecutive slices of ``size``.

    >>> [list(c) for c in _chunks([1, 2, 3], 2)]
    [[1, 2], [3]]
    """
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _result_rows(kind: str, scope: str, items: Sequence[dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    """Rows of ``results`` for one kind's items in one scope; an item without an id is
    numbered, and of two with one id the later one is kept."""
    rows: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items):
        item_id = str(item.get("id") or f"{kind}-{index}")
        rows[item_id] = {"kind": kind, "scope": scope, "item_id": item_id, "data": item}
    return list(rows.values())


#: the result kind under which the events of stories are indexed in ``result_articles``
EVENTS = "events"
#: the ``stage_state`` row whose token changes with every write that readers can see
GENERATION = "store.generation"
#: the row whose token changes with every write that an answer made of analysis results
#: can show: every write but an ingest of articles that no stored result names and
#: that bring no new outlet (see :meth:`Store.results_generation`)
RESULTS_GENERATION = "store.generation.results"


def _refs(ids: Iterable[Any]) -> list[str]:
    """The distinct article references among ``ids`` that can name a stored article (a
    string that fits ``articles.id``), in order."""
    return list(dict.fromkeys(a for a in ids if isinstance(a, str) and 0 < len(a) <= 32))


def article_links(kind: str, scope: str, item_id: str, item: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """Rows of ``result_articles`` for one stored item: the articles it touches
    (:func:`newstrace.scopes.item_article_ids`), and for a story its events, each under
    :data:`EVENTS` with its index as ``part`` (with article ``""`` when it names none,
    so that an unfiltered listing still counts it).

    >>> [(r["kind"], r["part"], r["article_id"]) for r in article_links(
    ...     "stories", "s", "st", {"article_ids": ["a", "b"], "events": [
    ...         {"article_ids": ["b"]}, {"article_ids": []}]})]
    [('stories', 0, 'a'), ('stories', 0, 'b'), ('events', 0, 'b'), ('events', 1, '')]
    """
    from newstrace.scopes import item_article_ids

    base = {"scope": scope, "item_id": item_id}
    rows = [{**base, "kind": kind, "part": 0, "article_id": a}
            for a in _refs(item_article_ids(item))]
    if kind == "stories":
        for part, event in enumerate(item.get("events") or []):
            ids = _refs(event.get("article_ids") or []) if isinstance(event, dict) else []
            rows.extend({**base, "kind": EVENTS, "part": part, "article_id": a}
                        for a in ids or [""])
    return rows


def _now() -> datetime:
    return datetime.now(UTC)


def _article_row(article: Article, seq: int) -> dict[str, Any]:
    return {
        "id": article.id,
        "seq": seq,
        "source": article.source,
        "url": article.url,
        "outlet": article.outlet,
        "outlet_from": article.outlet_from,
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published,
        "published_from": article.published_from,
        "language": article.language,
        "text": article.text,
        "boilerplate": [b.to_dict() for b in article.boilerplate],
        "ingested_at": _now(),
    }


def _row_article(row: Any) -> Article:
    return Article(
        id=row.id,
        source=row.source,
        text=row.text,
        url=row.url,
        outlet=row.outlet,
        outlet_from=row.outlet_from,
        title=row.title,
        authors=list(row.authors or []),
        published=row.published,
        published_from=row.published_from,
        language=row.language,
        boilerplate=[Boilerplate(**b) for b in row.boilerplate or []],
    )


class Store:
    """Articles and analysis results behind one small API, over SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, target: str | None = None, *, migrate: bool = True) -> Store:
        """Open (and create or upgrade) the store at a path or a database URL.

        A SQLite file may be new, but its folder must exist: a mistyped path is
        an error, not a new folder tree.
        """
        url = database_url(target)
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///").split("?", 1)[0]
            if path and path != ":memory:":
                folder = Path(path).parent
                if not folder.is_dir():
                    raise StoreError(f"cannot open store {target!r}: "
                                     f"folder {folder} does not exist")
        try:
            # a pooled connection to a server may have been dropped; one to a SQLite file
            # cannot, and a ping before every checkout is a statement per read
            engine = create_engine(url, future=True,
                                   pool_pre_ping=not url.startswith("sqlite"))
        except Exception as exc:  # a malformed URL or a missing driver
            raise StoreError(f"cannot open store {target!r}: {exc}") from exc
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        store = cls(engine)
        if migrate:
            store.migrate()
        return store

    def migrate(self) -> None:
        """Bring the schema up to the newest migration.

        All migrations run in one transaction under the store's write lock
        (SQLite: ``BEGIN IMMEDIATE`` with transactional DDL; PostgreSQL: an
        advisory transaction lock), so a process killed while creating a store
        leaves no half-made schema, and a second process opening a new store
        waits for the first and then finds it up to date.
        """
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            head = set(ScriptDirectory.from_config(cfg).get_heads())
            with self.engine.connect() as conn:  # the usual case: nothing to do, no lock
                current = set(MigrationContext.configure(conn).get_current_heads())
            if current == head:
                return
            with self._write() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open store {self.url}: {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _insert(self, table: Any) -> Any:
        return (postgresql if self.dialect == "postgresql" else sqlite).insert(table)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction holding the store's write lock from its start.

        SQLite: ``BEGIN IMMEDIATE`` (another writer waits up to the busy
        timeout, and no read snapshot goes stale before the first write).
        PostgreSQL: a transaction-scoped advisory lock per schema, so that
        writers (and migrations) of one store run one after the other.
        """
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k, "
                                      "hashtext(current_schema()))"),
                                 {"k": _PG_LOCK_CLASS})
                yield conn

    @contextmanager
    def analysis_lock(self) -> Iterator[None]:
        """Held for a whole analysis: a second one on this store waits for the first.

        An analysis reads the stage structures, extends them and writes them back;
        two at once would each write back what the other never saw. Ingests and
        readers are not held up (they take no part in this lock). PostgreSQL: a
        session advisory lock on a connection of its own; SQLite: an exclusive
        ``flock`` on ``<store>.analysis.lock`` beside the file (an in-memory store
        has one process).
        """
        if self.dialect == "postgresql":
            with self.engine.connect() as conn:
                key = {"k": _PG_ANALYSIS_LOCK}
                conn.execute(text("SELECT pg_advisory_lock(:k, hashtext(current_schema()))"),
                             key)
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k, "
                                      "hashtext(current_schema()))"), key)
                    conn.commit()
            return
        path = self.engine.url.database
        if not path or path == ":memory:":
            yield
            return
        import fcntl

        with open(f"{path}.analysis.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            yield

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._write() as conn:
            yield conn

    # -- articles -----------------------------------------------------------------------------
    def known_source(self, source: str, raw_sha: str) -> str | None:
        """The article id already stored for this exact input part, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sources.c.article_id).where(
                    sources.c.source == source, sources.c.raw_sha == raw_sha
                )
            ).first()
        return row[0] if row else None

    def known_sources(self, parts: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """``known_source`` for many ``(source, raw_sha)`` parts in one query per 500."""
        found: dict[tuple[str, str], str] = {}
        wanted = set(parts)
        names = list(dict.fromkeys(source for source, _ in parts))
        with self.engine.connect() as conn:
            for chunk in _chunks(names):
                rows = conn.execute(select(sources.c.source, sources.c.raw_sha,
                                           sources.c.article_id)
                                    .where(sources.c.source.in_(chunk)))
                for source, raw_sha, article_id in rows:
                    if (source, raw_sha) in wanted:
                        found[(source, raw_sha)] = article_id
        return found

    def add_articles(self, items: Sequence[tuple[Article, str]]) -> list[bool]:
        """Store ``(article, raw_sha)`` pairs in one transaction; True where it was new.

        Adding an article whose id is stored already adds nothing, so a rerun is
        idempotent; if anything fails, the whole batch rolls back.
        """
        if not items:
            return []
        # under the write lock: the ids seen stored and the next seq stay true until
        # commit, so concurrent ingests neither collide nor share seq values
        with self._write() as conn:
            seq = conn.execute(select(func.coalesce(func.max(articles.c.seq), 0))).scalar_one()
            ids = list(dict.fromkeys(article.id for article, _ in items))
            stored: set[str] = set()
            for chunk in _chunks(ids):
                stored.update(conn.execute(select(articles.c.id).where(
                    articles.c.id.in_(chunk))).scalars())
            # one statement per table for the whole batch (executemany): the per-row
            # round trips were half the cost of ingesting plain text
            added, rows = [], []
            for article, _ in items:
                new = article.id not in stored
                added.append(new)
                if new:
                    stored.add(article.id)
                    seq += 1
                    rows.append(_article_row(article, seq))
            if rows:
                shown = self._shown_by_results(conn, rows)  # before they are stored
                conn.execute(self._insert(articles).on_conflict_do_nothing(
                    index_elements=[articles.c.id]), rows)
                self._changed(conn, results=shown)
            # the last part read from a source wins, as a row-by-row upsert would
            links = {article.source: {"source": article.source, "raw_sha": raw_sha,
                                      "article_id": article.id} for article, raw_sha in items}
            upsert = self._insert(sources)
            conn.execute(upsert.on_conflict_do_update(
                index_elements=[sources.c.source],
                set_={"raw_sha": upsert.excluded.raw_sha,
                      "article_id": upsert.excluded.article_id}), list(links.values()))
        return added

    def add_article(self, article: Article, raw_sha: str = "") -> bool:
        return self.add_articles([(article, raw_sha or raw_digest(article.text))])[0]

    def get(self, article_id: str) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
        return _row_article(row) if row else None

    def ids_starting(self, prefix: str, limit: int = 2) -> list[str]:
        """Ids of stored articles that start with ``prefix`` (hex digits), at most
        ``limit``: a unique prefix names an article, as in git.

        >>> with Store.open(":memory:") as store:
        ...     store.ids_starting("zz")
        []
        """
        if not prefix or any(ch not in "0123456789abcdef" for ch in prefix.lower()):
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(select(articles.c.id).where(
                articles.c.id.like(prefix.lower() + "%")).order_by(articles.c.id).limit(limit))
            return [row[0] for row in rows]

    def get_many(self, ids: Iterable[str]) -> list[Article]:
        """Articles by id, in the order given (unknown ids are left out)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Article] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted):
                for row in conn.execute(select(articles).where(articles.c.id.in_(chunk))):
                    found[row.id] = _row_article(row)
        return [found[i] for i in wanted if i in found]

    def list_articles(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        query: str | None = None,
    ) -> list[Article]:
        """Stored articles in ingest order, filtered; ``query`` searches title and text."""
        stmt = select(articles).order_by(articles.c.seq)
        stmt = self.filter_articles(stmt, outlet=outlet, since=since, until=until, query=query)
        stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [_row_article(r) for r in conn.execute(stmt)]

    def count(
        self,
        *,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        query: str | None = None,
    ) -> int:
        stmt = select(func.count()).select_from(articles)
        stmt = self.filter_articles(stmt, outlet=outlet, since=since, until=until, query=query)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def filter_articles(self, stmt: Any, *, outlet: str | None = None, since: str | None = None,
                  until: str | None = None, query: str | None = None,
                  ids: Sequence[str] | None = None) -> Any:
        """``stmt`` over ``articles`` narrowed by the one article filter that the CLI,
        the API, the web UI and report selections share.

        ``outlet`` ignores case ("cnn" finds CNN: users type outlets as they say them);
        ``until`` counts a date-time on its last day; ``query`` is full-text search over
        title and text, every word matching, the last as a prefix if it has three
        characters or more (SQLite: the FTS5 table of migrations 0002 and 0006;
        PostgreSQL: the ``search`` tsvector column).
        """
        stmt = stmt.where(*article_conditions(outlet or None, since or None, until or None))
        if ids is not None:
            stmt = stmt.where(articles.c.id.in_(list(ids) or [""]))
        words = query_words(query)
        if not words:
            return stmt
        if self.dialect == "sqlite":
            sub = text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :m").bindparams(
                m=fts5_match(words))
            return stmt.where(literal_column("articles.rowid").in_(sub))
        if self.dialect == "postgresql":
            tsq = " & ".join([*words[:-1], words[-1] + (":*" if _is_prefix(words[-1]) else "")])
            return stmt.where(literal_column("articles.search").op("@@")(
                func.to_tsquery("simple", tsq)))
        for word in words:  # pragma: no cover - other engines: substring match
            stmt = stmt.where(or_(articles.c.title.ilike(f"%{word}%"),
                                  articles.c.text.ilike(f"%{word}%")))
        return stmt

    # -- errors -------------------------------------------------------------------------------
    def record_errors(self, errors: Sequence[InputError]) -> None:
        if not errors:
            return
        with self._write() as conn:
            conn.execute(
                ingest_errors.insert(),
                [{"source": e.source, "stage": e.stage, "reason": e.reason, "at": _now()}
                 for e in errors],
            )
            self._changed(conn)

    def errors(self, limit: int = 100) -> list[InputError]:
        stmt = select(ingest_errors).order_by(ingest_errors.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [InputError(r.source, r.reason, r.stage) for r in conn.execute(stmt)]

    # -- analysis state and results -----------------------------------------------------------
    def load_state(self, stage: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(stage_state.c.data).where(stage_state.c.stage == stage)
            ).first()
        return row[0] if row else None

    def shared_secret(self, name: str) -> bytes:
        """32 random bytes kept in the store under ``name``, made by whoever asks first:
        every process serving this store (several web workers) signs with the same.

        >>> with Store.open(":memory:") as store:
        ...     store.shared_secret("demo") == store.shared_secret("demo")
        True
        """
        import secrets

        key = f"secret.{name}"
        with self._write() as conn:
            conn.execute(self._insert(stage_state).values(
                stage=key, data={"hex": secrets.token_hex(32)}, updated_at=_now())
                .on_conflict_do_nothing(index_elements=[stage_state.c.stage]))
            data = conn.execute(select(stage_state.c.data).where(
                stage_state.c.stage == key)).scalar_one()
        return bytes.fromhex(data["hex"])

    def save_state(self, stage: str, data: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
                self._insert(stage_state)
                .values(stage=stage, data=data, updated_at=_now())
                .on_conflict_do_update(
                    index_elements=[stage_state.c.stage],
                    set_={"data": data, "updated_at": _now()},
                )
            )
            self._changed(conn)

    # -- results, per scope ---------------------------------------------------------------------
    def scopes_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """The scope of each analysed article among ``article_ids`` (others are left out)."""
        wanted = list(dict.fromkeys(article_ids))
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted):
                found.update(conn.execute(
                    select(article_scopes.c.article_id, article_scopes.c.scope)
                    .where(article_scopes.c.article_id.in_(chunk)))
                    .all())
        return found

    def unanalysed(self, *, limit: int | None = None) -> list[str]:
        """Ids of stored articles no analysis has placed in a scope yet, in ingest order."""
        stmt = (select(articles.c.id).outerjoin(
            article_scopes, article_scopes.c.article_id == articles.c.id)
            .where(article_scopes.c.article_id.is_(None)).order_by(articles.c.seq))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(stmt)]

    def scope_members(self, scopes: Iterable[str]) -> list[str]:
        """The articles of ``scopes``, in ingest order."""
        wanted = sorted(set(scopes))
        ids: list[tuple[int, str]] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted):
                ids.extend(conn.execute(
                    select(articles.c.seq, article_scopes.c.article_id)
                    .join(articles, articles.c.id == article_scopes.c.article_id)
                    .where(article_scopes.c.scope.in_(chunk)))
                    .all())
        return [article_id for _, article_id in sorted(ids)]

    def in_ingest_order(self, article_ids: Iterable[str]) -> list[str]:
        """The stored articles among ``article_ids``, in ingest order."""
        wanted = list(dict.fromkeys(article_ids))
        found: list[tuple[int, str]] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted):
                found.extend(conn.execute(select(articles.c.seq, articles.c.id).where(
                    articles.c.id.in_(chunk))).all())
        return [article_id for _, article_id in sorted(found)]

    def scope_results(self, scopes: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """The stored items of ``scopes``, by kind (each kind in scope, item id order)."""
        wanted = sorted(set(scopes))
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted):
                rows = conn.execute(
                    select(results.c.kind, results.c.data)
                    .where(results.c.scope.in_(chunk))
                    .order_by(results.c.kind, results.c.scope, results.c.item_id))
                for kind, data in rows:
                    out.setdefault(kind, []).append(data)
        return out

    def replace_scopes(self, old: Iterable[str],
                       new: Sequence[tuple[str, Sequence[str], Mapping[str, Sequence[
                           dict[str, Any]]]]]) -> None:
        """In one transaction: forget the scopes ``old`` and store ``new``, a list of
        ``(scope, article ids, items by kind)``. A reader sees the old answer or the
        new one, never a mix; each item needs an ``id``."""
        old = sorted(set(old))
        with self._write() as conn:
            for chunk in _chunks(old):
                conn.execute(delete(results).where(results.c.scope.in_(chunk)))
                conn.execute(delete(result_articles).where(
                    result_articles.c.scope.in_(chunk)))
                conn.execute(delete(article_scopes).where(article_scopes.c.scope.in_(chunk)))
            for scope, member_ids, items in new:
                if member_ids:  # an article moves here from a scope not in ``old``
                    ids = list(member_ids)
                    for chunk in _chunks(ids):
                        conn.execute(delete(article_scopes).where(
                            article_scopes.c.article_id.in_(chunk)))
                    conn.execute(article_scopes.insert(),
                                 [{"article_id": a, "scope": scope} for a in ids])
                rows = [row for kind, kind_items in items.items()
                        for row in _result_rows(kind, scope, kind_items)]
                self._insert_results(conn, rows)
            self._changed(conn)

    def _insert_results(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Store ``results`` rows and their ``result_articles`` (the old ones are gone)."""
        if not rows:
            return
        conn.execute(results.insert(), rows)
        links = [link for row in rows for link in article_links(
            row["kind"], row["scope"], row["item_id"], row["data"])]
        for chunk in _chunks(links, 5000):
            conn.execute(result_articles.insert(), chunk)

    def _changed(self, conn: Connection, *, results: bool = True) -> None:
        """Mark, in the transaction of a write, that what readers see changes with it: a
        new :meth:`generation` token, so that caches keyed by it (every server worker's)
        miss once it commits; ``results``: a new :meth:`results_generation` token too."""
        import uuid

        token = {"token": uuid.uuid4().hex}
        for row in (GENERATION, RESULTS_GENERATION) if results else (GENERATION,):
            conn.execute(self._insert(stage_state).values(
                stage=row, data=token, updated_at=_now()).on_conflict_do_update(
                index_elements=[stage_state.c.stage],
                set_={"data": token, "updated_at": _now()}))

    def _shown_by_results(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> bool:
        """Whether storing the article ``rows`` changes what the analysis results show:
        a stored result names one of them (a listing filtered by outlet or date, a
        story's articles would then show it), or one brings an outlet no stored article
        has (the outlet filter offers it). Otherwise results answers stay true, and
        the caches keyed by :meth:`results_generation` keep them through an ingest."""
        ra = result_articles
        kinds: list[str] = []  # the index leads with the kind: each found by one probe
        while (kind := conn.execute(select(func.min(ra.c.kind)).where(
                ra.c.kind > (kinds[-1] if kinds else ""))).scalar()) is not None:
            kinds.append(kind)
        ids = [row["id"] for row in rows]
        for chunk in _chunks(ids) if kinds else ():
            if conn.execute(select(ra.c.article_id).where(
                    ra.c.kind.in_(kinds), ra.c.article_id.in_(chunk)).limit(1)).first():
                return True
        outlets = sorted({row["outlet"] for row in rows if row["outlet"] is not None})
        known: set[str] = set()
        for chunk in _chunks(outlets):
            known.update(conn.execute(select(articles.c.outlet).where(
                articles.c.outlet.in_(chunk)).distinct()).scalars())
        return len(known) < len(outlets)

    def generation(self) -> str:
        """A token that changes whenever articles, results, errors or stage states are
        written (by any process): a cache keyed by it never serves what was replaced.

        >>> with Store.open(":memory:") as store:
        ...     before = store.generation()
        ...     store.save_items("stories", [{"id": "s"}])
        ...     before != store.generation()
        True
        """
        return self._token(GENERATION)

    def results_generation(self) -> str:
        """A token that changes with every write but an ingest that no answer made of
        analysis results can show (new articles that no stored result names, of outlets
        stored already): a cache of such answers (a story page, a claims listing) keyed
        by it lives through an ingest beside the readers.

        >>> from newstrace.records import Article
        >>> def add(store, n, outlet):
        ...     before = store.results_generation()
        ...     store.add_article(Article(id=f"a{n}", source=f"s{n}", text=str(n),
        ...                               outlet=outlet))
        ...     return store.results_generation() == before
        >>> with Store.open(":memory:") as store:
        ...     store.save_items("claims", [{"id": "c1", "article_ids": ["a3"]}])
        ...     add(store, 1, "CNN"), add(store, 2, "CNN"), add(store, 3, "CNN")
        (False, True, False)
        """
        return self._token(RESULTS_GENERATION)

    def _token(self, row: str) -> str:
        with self.engine.connect() as conn:
            data = conn.execute(select(stage_state.c.data).where(
                stage_state.c.stage == row)).scalar()
        return str((data or {}).get("token") or "")

    def save_items(self, kind: str, items: Sequence[dict[str, Any]], *, scope: str = ""
                   ) -> None:
        """Replace the items of one kind in one scope (the empty scope by default: results
        that belong to no set of articles, such as a status)."""
        kinds = [kind, EVENTS] if kind == "stories" else [kind]
        with self._write() as conn:
            conn.execute(delete(results).where(results.c.kind == kind,
                                               results.c.scope == scope))
            conn.execute(delete(result_articles).where(result_articles.c.kind.in_(kinds),
                                                       result_articles.c.scope == scope))
            self._insert_results(conn, _result_rows(kind, scope, items))
            self._changed(conn)

    def iter_items(self, kind: str, *, batch: int = 1000) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(scope, item)`` of every stored item of ``kind``, read ``batch`` at a time
        (an item named in several scopes comes once for each)."""
        after: tuple[str, str] = ("", "")
        first = True
        while True:
            stmt = (select(results.c.scope, results.c.item_id, results.c.data)
                    .where(results.c.kind == kind)
                    .order_by(results.c.scope, results.c.item_id).limit(batch))
            if not first:
                stmt = stmt.where(tuple_(results.c.scope, results.c.item_id) > tuple_(*after))
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            for scope, _, data in rows:
                yield scope, data
            after, first = (rows[-1][0], rows[-1][1]), False

    def items(self, kind: str) -> list[dict[str, Any]]:
        """Every stored item of ``kind``, one per id: an item held by several scopes
        (an entity named in two stories) comes merged (:func:`newstrace.scopes.merge`)."""
        from newstrace.scopes import merge_items

        return merge_items(kind, [item for _, item in self.iter_items(kind)])

    def item(self, kind: str, item_id: str) -> dict[str, Any] | None:
        from newstrace.scopes import merge_items

        stmt = select(results.c.data).where(results.c.kind == kind,
                                            results.c.item_id == item_id)
        with self.engine.connect() as conn:
            found = [row[0] for row in conn.execute(stmt.order_by(results.c.scope))]
        return merge_items(kind, found)[0] if found else None

    # -- per-article products -------------------------------------------------------------------
    @property
    def products(self) -> StoredProducts:
        """The per-article products kept in this store (a stage's ``ProductCache``)."""
        return StoredProducts(self)

    def stage_rows(self, stage: str) -> StoredRows:
        """The rows ``stage`` keeps in this store (a ``RowStore``)."""
        return StoredRows(self, stage)

    def key_index(self, stage: str) -> StoredKeys:
        """The inverted index ``stage`` keeps in this store (a ``KeyIndex``)."""
        return StoredKeys(self, stage)

    def iter_articles(self, *, batch: int = 500) -> Iterator[Article]:
        """Every stored article in ingest order, read ``batch`` at a time."""
        after = 0
        while True:
            stmt = select(articles).where(articles.c.seq > after).order_by(
                articles.c.seq).limit(batch)
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            for row in rows:
                yield _row_article(row)
            after = rows[-1].seq


class StoredProducts:
    """Per-article products in the store: ``load`` and ``save`` by kind and article id.

    >>> with Store.open(":memory:") as store:
    ...     store.products.save("demo/1", {"a": {"n": 1}})
    ...     store.products.load("demo/1", ["a", "b"])
    {'a': {'n': 1}}
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, kind: str, article_ids: Sequence[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(article_ids))
        found: dict[str, Any] = {}
        with self.store.engine.connect() as conn:
            for chunk in _chunks(wanted):
                found.update(conn.execute(
                    select(article_products.c.article_id, article_products.c.data)
                    .where(article_products.c.kind == kind,
                           article_products.c.article_id.in_(chunk)))
                    .all())
        return found

    def save(self, kind: str, values: Mapping[str, Any]) -> None:
        if not values:
            return
        upsert = self.store._insert(article_products)
        with self.store._write() as conn:
            conn.execute(upsert.on_conflict_do_update(
                index_elements=[article_products.c.article_id, article_products.c.kind],
                set_={"data": upsert.excluded.data}),
                [{"article_id": a, "kind": kind, "data": v} for a, v in values.items()])


class StoredRows:
    """One stage's rows in the store: JSON values under string keys.

    >>> with Store.open(":memory:") as store:
    ...     rows = store.stage_rows("demo")
    ...     rows.save({"e:1": {"n": 1}, "w:war": 3})
    ...     rows.save({"w:war": 4})
    ...     rows.load(["w:war", "e:1", "e:2"])
    {'e:1': {'n': 1}, 'w:war': 4}
    """

    def __init__(self, store: Store, stage: str) -> None:
        self.store = store
        self.stage = stage

    def load(self, keys: Iterable[str]) -> dict[str, Any]:
        wanted = sorted(set(keys))
        found: dict[str, Any] = {}
        with self.store.engine.connect() as conn:
            for chunk in _chunks(wanted):
                found.update(conn.execute(
                    select(stage_rows.c.key, stage_rows.c.data)
                    .where(stage_rows.c.stage == self.stage,
                           stage_rows.c.key.in_(chunk))).all())
        return found

    def save(self, values: Mapping[str, Any]) -> None:
        if not values:
            return
        upsert = self.store._insert(stage_rows)
        rows = [{"stage": self.stage, "key": k, "data": v} for k, v in values.items()]
        with self.store._write() as conn:
            for chunk in _chunks(rows, 5000):
                conn.execute(upsert.on_conflict_do_update(
                    index_elements=[stage_rows.c.stage, stage_rows.c.key],
                    set_={"data": upsert.excluded.data}), chunk)


class StoredKeys:
    """One stage's inverted index in the store: members under keys.

    >>> with Store.open(":memory:") as store:
    ...     keys = store.key_index("demo")
    ...     keys.add([("k1", "a"), ("k1", "b"), ("k2", "a"), ("k1", "a")])
    ...     keys.lookup(["k1", "k3"])
    {'k1': ['a', 'b']}
    """

    def __init__(self, store: Store, stage: str) -> None:
        self.store = store
        self.stage = stage

    def lookup(self, keys: Sequence[str]) -> dict[str, list[str]]:
        wanted = sorted(set(keys))
        found: dict[str, list[str]] = {}
        with self.store.engine.connect() as conn:
            for chunk in _chunks(wanted):
                rows = conn.execute(
                    select(index_keys.c.key, index_keys.c.member)
                    .where(index_keys.c.stage == self.stage,
                           index_keys.c.key.in_(chunk))
                    .order_by(index_keys.c.key, index_keys.c.member))
                for key, member in rows:
                    found.setdefault(key, []).append(member)
        return found

    def add(self, pairs: Sequence[tuple[str, str]]) -> None:
        rows = [{"stage": self.stage, "key": k, "member": m} for k, m in dict.fromkeys(pairs)]
        if not rows:
            return
        with self.store._write() as conn:
            conn.execute(self.store._insert(index_keys).on_conflict_do_nothing(), rows)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The pysqlite driver's own transaction handling is off (isolation_level=None):
    # it would run DDL outside any transaction and start one only before DML, which
    # let a kill during creation leave tables without alembic_version. _sqlite_begin
    # emits BEGIN itself, so DDL is transactional and writers lock from the start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # the busy timeout first: switching a new file to WAL needs a lock too
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL lets the web UI read while an ingest writes; NORMAL sync is safe under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())
