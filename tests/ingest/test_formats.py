"""Each input format is read, recognised by content, and turned into documents."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrace.ingest import iter_inputs
from newstrace.ingest.detect import sniff
from newstrace.records import InputError, RawDocument

HTML = b"<!doctype html><html><head><title>T</title></head><body><p>Body.</p></body></html>"


def docs_and_errors(*inputs: str, **options: object):
    items = list(iter_inputs(list(inputs), **options))  # type: ignore[arg-type]
    return ([i for i in items if isinstance(i, RawDocument)],
            [i for i in items if isinstance(i, InputError)])


def make_warc(n: int = 3, *, gz: bool = True, extra_types: bool = True) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gz)
    if extra_types:
        writer.write_record(writer.create_warcinfo_record("x.warc", {"software": "test"}))
    for i in range(n):
        body = (b"<html><head><title>Story %d</title></head><body><p>Story number %d "
                b"reports what officials said.</p></body></html>" % (i, i))
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"https://news.example/story/{i}", "response", payload=io.BytesIO(body),
            http_headers=http))
        if extra_types:
            image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")],
                                     protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://news.example/img/{i}.png", "response",
                payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50), http_headers=image))
    return buffer.getvalue()


def test_seeds_are_four_text_documents(seeds_dir: Path) -> None:
    docs, errors = docs_and_errors(str(seeds_dir))
    assert errors == []
    assert len(docs) == 4 and {d.media_type for d in docs} == {"text"}
    assert [Path(d.source).name[:3] for d in docs] == ["000", "001", "002", "004"]
    assert all(isinstance(d.content, str) and "China" in d.content for d in docs)


def test_formats_are_recognised_by_content_not_name(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_bytes(HTML)
    (tmp_path / "records.txt").write_text(
        '{"title": "A", "text": "Alpha text."}\n{"title": "B", "text": "Beta text."}\n')
    (tmp_path / "archive.dat").write_bytes(make_warc(2))
    docs, errors = docs_and_errors(str(tmp_path))
    assert errors == []
    kinds = sorted((Path(d.source.split("#")[0]).name, d.media_type) for d in docs)
    assert kinds == [("archive.dat", "html"), ("archive.dat", "html"), ("page.txt", "html"),
                     ("records.txt", "text"), ("records.txt", "text")]


def test_directory_walk_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("Zed\n\nText z.")
    (tmp_path / "a.txt").write_text("Ay\n\nText a.")
    (tmp_path / ".hidden.txt").write_text("secret")
    docs, _ = docs_and_errors(str(tmp_path))
    assert [Path(d.source).name for d in docs] == ["a.txt", "z.txt"]


def test_json_array_object_and_jsonl_with_field_aliases(tmp_path: Path) -> None:
    records = [{"headline": "H1", "body": "One.", "link": "https://x.example/1",
                "pubDate": "2023-02-24", "author": "Ann Lee", "source": {"name": "Wire"}},
               {"title": "H2", "html": "<p>Two.</p>", "authors": [{"name": "Bo"}]}]
    (tmp_path / "a.json").write_text(json.dumps(records))
    (tmp_path / "b.json").write_text(json.dumps({"articles": records}))
    (tmp_path / "c.json").write_text(json.dumps(records[0], indent=2))
    docs, errors = docs_and_errors(str(tmp_path))
    assert errors == []
    assert [d.source.rsplit("/", 1)[1] for d in docs] == ["a.json#0", "a.json#1", "b.json#0",
                                                         "b.json#1", "c.json"]
    first = docs[0]
    assert (first.content, first.media_type, first.url) == ("One.", "text", "https://x.example/1")
    assert first.hints == {"title": "H1", "published": "2023-02-24", "authors": ["Ann Lee"],
                           "outlet": "Wire"}
    assert docs[1].media_type == "html" and docs[1].hints["authors"] == ["Bo"]


def test_rss_and_atom_feeds_with_embedded_text(tmp_path: Path) -> None:
    long_text = "<p>" + "The ministry said the talks would continue. " * 20 + "</p>"
    (tmp_path / "rss.xml").write_text(f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Daily Wire Service</title><item><title>Talks go on</title>
<link>https://daily.example/talks</link><pubDate>Fri, 24 Feb 2023 10:00:00 GMT</pubDate>
<content:encoded><![CDATA[{long_text}]]></content:encoded></item></channel></rss>""")
    (tmp_path / "atom.xml").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Times</title>
<entry><title>Entry one</title><updated>2023-02-25T08:00:00Z</updated>
<author><name>Cy Doe</name></author><content type="html">{long_text.replace("<", "&lt;")}
</content></entry></feed>""")
    docs, errors = docs_and_errors(str(tmp_path))
    assert errors == []
    atom, rss = docs
    assert rss.hints["title"] == "Talks go on" and rss.hints["outlet"] == "Daily Wire Service"
    assert rss.hints["published"].startswith("2023-02-24") and rss.url == "https://daily.example/talks"
    assert "talks would continue" in str(rss.content) and rss.media_type == "html"
    assert atom.hints["authors"] == ["Cy Doe"] and atom.hints["outlet"] == "Atom Times"


def test_feed_item_with_only_a_teaser_fetches_its_page(tmp_path: Path, http_base: str) -> None:
    (tmp_path / "feed.xml").write_text(f"""<rss version="2.0"><channel><title>T</title>
<item><title>Short</title><link>{http_base}/feed-page/one</link>
<description>Teaser.</description></item>
<item><title>Gone</title><link>{http_base}/missing</link>
<description>Teaser of a page that is gone.</description></item></channel></rss>""")
    docs, errors = docs_and_errors(str(tmp_path), allow_private_addresses=True)
    assert b"/feed-page/one" in docs[0].content  # type: ignore[operator]
    assert docs[0].hints["title"] == "Short"
    # the missing page is only a note: its teaser is stored, and nothing is reported
    assert errors == [] and docs[1].content == "Teaser of a page that is gone."
    assert "HTTP 404" in docs[1].hints["fetch_note"]


def test_warc_plain_and_gzipped_keeps_html_responses_only(tmp_path: Path) -> None:
    (tmp_path / "a.warc.gz").write_bytes(make_warc(3))
    (tmp_path / "b.warc").write_bytes(make_warc(2, gz=False))
    docs, errors = docs_and_errors(str(tmp_path))
    assert errors == []
    assert [d.url for d in docs] == [f"https://news.example/story/{i}" for i in (0, 1, 2, 0, 1)]
    assert all(d.media_type == "html" and "#record-urn:uuid:" in d.source for d in docs)
    assert all(d.hints.get("fetched") for d in docs)


def test_gzipped_jsonl_and_text(tmp_path: Path) -> None:
    (tmp_path / "r.jsonl.gz").write_bytes(gzip.compress(b'{"title": "G", "text": "Gz."}\n'))
    (tmp_path / "t.gz").write_bytes(gzip.compress("Title\n\nPlain text über.".encode()))
    docs, errors = docs_and_errors(str(tmp_path))
    assert errors == []
    assert sorted(str(d.content) for d in docs) == ["Gz.", "Title\n\nPlain text über."]


def test_urls_and_url_lists_over_http(tmp_path: Path, http_base: str) -> None:
    (tmp_path / "urls.txt").write_text(f"# a list\n{http_base}/article\n{http_base}/redirect\n")
    docs, errors = docs_and_errors(str(tmp_path / "urls.txt"), f"{http_base}/article",
                                   allow_private_addresses=True)
    assert errors == []
    assert len(docs) == 3 and all(d.media_type == "html" for d in docs)
    assert docs[1].source == f"{http_base}/redirect" and docs[1].url == f"{http_base}/article"


def test_sniff_examples() -> None:
    assert sniff(gzip.compress(b"x")) == "gzip"
    assert sniff(b"\xef\xbb\xbf[{\"text\": \"a\"}]") == "json"
    assert sniff(b"<feed xmlns='http://www.w3.org/2005/Atom'>") == "feed"
    assert sniff(b"%PDF-1.4 ...") == "binary"
    assert sniff(b"Plain words with a <b>tag</b> or two.") == "text"
