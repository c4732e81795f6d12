"""The Parquet export: every table readable by pyarrow and DuckDB, with the right rows."""

from __future__ import annotations

import json
import math
import re
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")

from newstrace.export import SCHEMAS, TABLES, export_parquet  # noqa: E402
from newstrace.export import parquet as export_module  # noqa: E402
from newstrace.records import Article  # noqa: E402
from newstrace.scopes import components, item_article_ids, scope_key  # noqa: E402
from newstrace.store import Store  # noqa: E402
from tests.fixtures.load import fixture_report, portable  # noqa: E402

DOC = Path(__file__).resolve().parents[2] / "docs" / "export.md"
KINDS = ("reuse", "stories", "entities", "claims", "citations", "anomalies")

CNN = "75ec6c71103e052b"      # the CNN original
GATTO = "a4e6caacaf20e34b"    # its rewrite
EUROMAIDAN = "9a19cbbd647131bb"
OTHER = "106411514cfce43e"    # the article of the other story
CHINESE = "ent-9ca114974a"    # an entity named in both parts of the corpus
CLAIM = "claim-c37db20de263"


def load_scoped(store: Store) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The seeds report stored as the pipeline stores it: in scopes, the connected parts
    of the corpus under reuse and stories; an item goes to each scope it names articles
    of (so an entity named in both parts is stored twice). Returns (scope, item) by kind."""
    report = portable(fixture_report())
    store.add_articles([(Article.from_dict(a), a["id"]) for a in report["articles"]])
    ids = [a["id"] for a in report["articles"]]
    links = [(e["original"], e["copy"]) for e in report["reuse"]]
    links += [(s["article_ids"][0], other) for s in report["stories"]
              for other in s["article_ids"][1:]]
    parts = components(ids, links)
    scope_of = {a: scope_key(part) for part in parts for a in part}
    items: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {
        scope_key(part): {} for part in parts}
    for kind in KINDS:
        for item in report[kind]:
            named = {scope_of[a] for a in item_article_ids(item) if a in scope_of}
            for scope in sorted(named) or [scope_key(parts[0])]:
                items[scope].setdefault(kind, []).append(item)
    store.replace_scopes(old=[], new=[(scope_key(part), part, items[scope_key(part)])
                                      for part in parts])
    return {kind: [(scope, item) for scope in sorted(items)
                   for item in items[scope].get(kind, [])] for kind in KINDS}


def expected_counts(stored: dict[str, list[tuple[str, dict[str, Any]]]]) -> dict[str, int]:
    return {
        "articles": 4,
        "reuse_edges": len(stored["reuse"]),
        "events": sum(len(s["events"]) for _, s in stored["stories"]),
        "stories": len(stored["stories"]),
        "entities": len(stored["entities"]),
        "attributions": sum(len(c["attributions"]) for _, c in stored["claims"]),
        "claims": len(stored["claims"]),
        "citations": len(stored["citations"]),
        "anomalies": len(stored["anomalies"]),
    }


def sql(query: str) -> list[tuple[Any, ...]]:
    return duckdb.sql(query).fetchall()


@pytest.fixture
def seeded(store: Store) -> tuple[Store, dict[str, list[tuple[str, dict[str, Any]]]]]:
    return store, load_scoped(store)


def test_every_table_is_written_and_readable_by_pyarrow_and_duckdb(seeded, tmp_path):
    store, stored = seeded
    paths = export_parquet(store, tmp_path / "out")
    assert list(paths) == list(TABLES)
    counts = expected_counts(stored)
    assert all(counts[t] > 0 for t in TABLES), counts  # the fixture fills every table
    for table, path in paths.items():
        assert path == tmp_path / "out" / f"{table}.parquet"
        read = pq.read_table(path)
        assert read.schema.equals(SCHEMAS[table]), table
        assert read.num_rows == counts[table], table
        assert sql(f"select count(*) from '{path}'") == [(counts[table],)], table
    # nothing but the tables is left in the folder (no temporary file)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{t}.parquet" for t in TABLES)
    # and they can be read as any new file there (a temporary file's 0600 would not)
    (tmp_path / "plain").touch()
    mode = stat.S_IMODE((tmp_path / "plain").stat().st_mode)
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths.values()} == {mode}


def test_key_values(seeded, tmp_path):
    store, stored = seeded
    p = export_parquet(store, tmp_path)
    scopes = {scope for kind in stored.values() for scope, _ in kind}
    assert len(scopes) == 2

    articles = pq.read_table(p["articles"]).to_pylist()
    assert [a["id"] for a in articles] == [CNN, GATTO, OTHER, EUROMAIDAN]  # ingest order
    assert [a["ingest_order"] for a in articles] == [0, 1, 2, 3]
    cnn = articles[0]
    assert (cnn["outlet"], cnn["published"], cnn["published_date"]) == (
        "CNN", "2023-02-24T23:58:00-05:00", date(2023, 2, 24))
    assert cnn["authors"] == ["Natasha Bertrand", "Zachary Cohen"]
    assert cnn["boilerplate"][0] == {"text": "Russia’s war in Ukraine: live updates",
                                     "reason": "live-blog-header"}
    assert cnn["scope"] == articles[1]["scope"] != articles[2]["scope"]
    assert {a["scope"] for a in articles} == scopes

    [edge] = pq.read_table(p["reuse_edges"]).to_pylist()
    assert (edge["original_id"], edge["copy_id"], edge["kind"]) == (CNN, GATTO, "rewrite")
    assert edge["scope"] == cnn["scope"]
    assert len(edge["aligned"]) == len(stored["reuse"][0][1]["aligned"])
    change = edge["changes"][0]
    assert (change["type"], change["before"], change["after"]) == (
        "hedging", ["suggest"], ["believes"])
    # a change whose from/to is one phrase comes as a one-element list
    assert sql(f"""select c.before, c.after from (select unnest(changes) as c
                  from '{p["reuse_edges"]}') where c.type = 'meaning' limit 1""") == [
        (["size"], ["quality"])]

    events = {e["id"]: e for e in pq.read_table(p["events"]).to_pylist()}
    event = events["event-75ec6c71103e052b"]
    assert (event["story_id"], event["date"], event["date_from"]) == (
        "story-75ec6c71103e052b", date(2023, 2, 24), "content")
    assert event["timeline"][0]["outlet"] == "CNN"
    stories = {s["id"]: s for s in pq.read_table(p["stories"]).to_pylist()}
    assert stories["story-75ec6c71103e052b"]["event_ids"] == ["event-75ec6c71103e052b"]
    # in the order they are placed: by date, then id (not by arrival)
    assert stories["story-75ec6c71103e052b"]["article_ids"] == [CNN, EUROMAIDAN, GATTO]

    # one row per (scope, entity): the entity found in both parts comes twice
    rows = sql(f"select scope, name, type from '{p['entities']}' where id = '{CHINESE}'")
    assert sorted(r[0] for r in rows) == sorted(scopes)
    assert {r[1:] for r in rows} == {("Chinese", "group")}
    assert sql(f"""select count(*) from (select distinct scope, id from '{p["entities"]}')
               """) == [(len(stored["entities"]),)]

    claim = sql(f"""select first_reporter.outlet, independent_sources, attribution_count,
                          list_transform(origins, lambda o: o.kind), stances[1].stance
                   from '{p['claims']}' where id = '{CLAIM}'
                   and scope = '{cnn["scope"]}'""")
    # the stored values (004 an origin of its own, on the word of the ISW it names)
    assert claim == [("CNN", 2, 5, ["article", "article"], "hedges")]
    chain = sql(f"""select list_filter(chains, lambda c: c.article_id = '{GATTO}')[1].path[1].via
                    from '{p['claims']}' where id = '{CLAIM}' and scope = '{cnn["scope"]}'""")
    assert chain == [("copy of",)]

    first = sql(f"""select article_id, source_text, source_start, source_end, cue_text,
                          quote, source_type, source_entity, denial
                   from '{p['attributions']}' where claim_id = '{CLAIM}' and position = 0
                   and scope = '{cnn["scope"]}'""")
    assert first == [(CNN, "US intelligence officials", 0, 25, "suggest", "indirect",
                      "anonymous", "ent-f974ba6b8b", False)]
    # the attributions and the claims' counts agree
    assert sql(f"""select count(*) from '{p['attributions']}' a join '{p['claims']}' c
                   on a.claim_id = c.id and a.scope = c.scope""") == sql(
        f"select sum(attribution_count) from '{p['claims']}'")

    cite = sql(f"""select article_id, cited, cited_kind, span_text, span_start, claim_id
                  from '{p['citations']}' where id = 'cite-306c513e6005'""")
    assert cite == [(CNN, "CNN", "media",
                     "three sources familiar with the intelligence community", 135, CLAIM)]

    conflict = sql(f"""select article_ids, json_extract_string(evidence, '$.stated_date')
                      from '{p['anomalies']}' where kind = 'date-content-conflict'""")
    assert conflict == [([OTHER], "2023-01-30")]
    anomalies = pq.read_table(p["anomalies"]).to_pylist()
    by_id = {item["id"]: item for _, item in stored["anomalies"]}
    assert all(json.loads(a["evidence"]) == by_id[a["id"]]["evidence"] for a in anomalies)


def test_an_empty_store_writes_empty_tables_with_full_schemas(tmp_path):
    with Store.open(":memory:") as store:
        paths = export_parquet(store, tmp_path)
    assert list(paths) == list(TABLES)
    for table, path in paths.items():
        read = pq.read_table(path)
        assert read.num_rows == 0
        assert read.schema.equals(SCHEMAS[table], check_metadata=True), table
        described = duckdb.sql(f"describe select * from '{path}'").fetchall()
        assert [row[0] for row in described] == SCHEMAS[table].names
    # the types a user queries on, as DuckDB sees them
    types = dict(r[:2] for r in duckdb.sql(f"describe select * from '{paths['events']}'")
                 .fetchall())
    assert types["date"] == "DATE" and types["article_ids"] == "VARCHAR[]"


def test_column_descriptions_are_in_the_files(tmp_path):
    with Store.open(":memory:") as store:
        path = export_parquet(store, tmp_path)["claims"]
    schema = pq.read_schema(path)
    assert schema.metadata[b"newstrace.table"] == b"claims"
    assert b"provenance" in schema.field("origins").metadata[b"description"]


def test_small_row_groups_and_batches_give_the_same_rows(seeded, tmp_path):
    store, stored = seeded
    whole = export_parquet(store, tmp_path / "whole")
    small = export_parquet(store, tmp_path / "small", row_group_size=7, batch=3)
    counts = expected_counts(stored)
    for table in TABLES:
        assert pq.read_table(small[table]).to_pylist() == pq.read_table(
            whole[table]).to_pylist(), table
        meta = pq.ParquetFile(small[table]).metadata
        assert meta.num_row_groups == math.ceil(counts[table] / 7), table
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        assert all(size == 7 for size in sizes[:-1]), (table, sizes)
        assert pq.ParquetFile(whole[table]).metadata.num_row_groups == 1, table


def test_a_row_group_size_below_one_is_refused(tmp_path):
    with Store.open(":memory:") as store, pytest.raises(ValueError):
        export_parquet(store, tmp_path, row_group_size=0)


def test_a_failed_export_leaves_no_file_under_a_final_name(tmp_path):
    out = tmp_path / "out"
    with Store.open(":memory:") as store:
        store.add_article(Article(id="75ec6c71103e052b", source="a.txt", text="Hello."))
        # an entity whose variant count is no integer: Arrow refuses it mid-export, after
        # the articles were written
        store.replace_scopes(old=[], new=[("scope-a", ["75ec6c71103e052b"], {"entities": [
            {"id": "ent-1", "name": "CNN", "type": "organization", "subtype": "media",
             "variants": [{"text": "CNN", "kind": "canonical", "count": "many",
                           "article_ids": [], "garbled": False}],
             "article_ids": [], "roles": [], "garbled": False}]})])
        with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
            export_parquet(store, out)
        assert list(out.iterdir()) == []

        # over an earlier export: its files stay whole, and no temporary file is left
        store.save_items("entities", [], scope="scope-a")
        before = export_parquet(store, out)
        stamp = {t: p.read_bytes() for t, p in before.items()}
        store.save_items("entities", [{"id": "ent-2", "garbled": "no"}], scope="scope-a")
        with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
            export_parquet(store, out)
        assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
        assert {t: p.read_bytes() for t, p in before.items()} == stamp


def test_an_interrupted_export_leaves_no_file(tmp_path, monkeypatch):
    def interrupted(scope: str, item: dict[str, Any]) -> dict[str, Any]:
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module, "_citation_row", interrupted)
    with Store.open(":memory:") as store:
        store.replace_scopes(old=[], new=[("scope-a", [], {"citations": [{"id": "c"}]})])
        with pytest.raises(KeyboardInterrupt):
            export_parquet(store, tmp_path)
    assert list(tmp_path.iterdir()) == []


def type_name(kind: Any) -> str:
    """An Arrow type as docs/export.md writes it: list<struct<text: string, ...>>."""
    if pa.types.is_list(kind):
        return f"list<{type_name(kind.value_type)}>"
    if pa.types.is_struct(kind):
        return "struct<" + ", ".join(f"{f.name}: {type_name(f.type)}" for f in kind) + ">"
    return {"date32[day]": "date32"}.get(str(kind), str(kind))


def test_the_doc_describes_every_table_and_column():
    doc = DOC.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### `(\w+)`\n(.*?)(?=^##|\Z)", doc, re.M | re.S))
    assert list(sections) == list(TABLES)
    for table, schema in SCHEMAS.items():
        documented = re.findall(r"^\| `(\w+)` \| `([^`]+)` \| (.*) \|$", sections[table], re.M)
        # the same words as the files' own column descriptions
        assert documented == [(f.name, type_name(f.type), f.metadata[b"description"].decode())
                              for f in schema], table
