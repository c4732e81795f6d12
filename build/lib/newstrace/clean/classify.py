"""Rule-based line/paragraph classifier for article text.

Input: blocks of lines (see :func:`newstrace.clean.text.split_blocks`). Output:
the kept paragraphs plus what the top of the article told us (title, dateline,
byline) and the outlet cues found in furniture (syndication footer, copyright
or funding notice, wire dateline). Each dropped line is recorded with a reason.

Passes, in order:

1. **Rule table** (:mod:`.boilerplate`) on every line; a run of short lines
   with a promotional phrase is dropped whole as ``promo``; short lines after
   a bare "Related Posts"/"Read also:" header are part of that link list;
   lines without a letter or digit ("* * *", "| |") are ``separator``.
2. **Header zone** (lines before the first prose paragraph): a live-blog
   banner ("…: live updates"), a dateline (a line that is only a date/time), a
   byline ("From CNN’s …", "By …") and the title (first headline-shaped line).
   These are metadata, recorded with reasons ``live-blog-header``,
   ``dateline``, ``byline``, ``title`` and not kept in the text. In extractor
   output of HTML pages, other lines of up to three words there are leftovers
   of the page (section labels, "Watch Queue") -> ``header-fragment``.
3. **Body**: repeats of the title -> ``duplicate-title``; a lone headline-shaped
   line between prose paragraphs (or trailing after the last one) is a link to
   another article -> ``other-headline``. Questions, explainer heads ("Why it
   matters"), quotes and lines of under four words are kept as sub-headings.
   Only used for plain text: in HTML the extractor keeps real sub-headings,
   which look the same.

>>> blocks = [["Live updates: the storm"], ["March 3, 2024"], ["Storm hits coast"],
...           ["By Jane Doe"], ["The storm hit the coast on Sunday, officials said."],
...           ["Leave a Comment"]]
>>> c = classify_blocks(blocks)
>>> c.title, c.dateline, c.authors
('Storm hits coast', '2024-03-03', ['Jane Doe'])
>>> c.paragraphs
['The storm hit the coast on Sunday, officials said.']
>>> [b.reason for b in c.boilerplate]
['live-blog-header', 'dateline', 'title', 'byline', 'comment-prompt']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newstrace.records import Boilerplate

from .authors import parse_byline
from .boilerplate import PROMO_RE, RELATED_HEADER_REASONS, match_line
from .dates import parse_dateline
from .outlets import outlet_from_copyright, outlet_from_syndication, outlet_from_wire_dateline

__all__ = ["Classified", "classify_blocks", "is_headline_like", "is_prose", "same_title"]

_TERMINAL = tuple('.!?"”’»)]…。！？।۔')
_LIVE_RE = re.compile(
    r"\blive(?:\s+(?:updates?|blog|coverage|news|report))\b|^live\s*[:|–—-]|[:|–—-]\s*live$|\bas\s+it\s+happened\b",
    re.I,
)


# a line with neither letters nor digits ("* * *", "___") is a visual separator;
# digits stay (a numeric date "05 / 02 / 2013" or a score is information)
_HAS_LETTER = re.compile(r"[^\W_]")

#: The header zone (title, dateline, byline) is at most this many lines long.
HEADER_LINES = 8

# Explainer sub-headings ("Why it matters", "What we know") belong to the story.
_EXPLAINER_RE = re.compile(r"^(?:why|what|how|where|when|who|which)\b", re.I)


@dataclass(slots=True)
class Classified:
    """Result of :func:`classify_blocks`."""

    paragraphs: list[str] = field(default_factory=list)
    boilerplate: list[Boilerplate] = field(default_factory=list)
    title: str | None = None
    dateline: str | None = None
    authors: list[str] = field(default_factory=list)
    byline_outlet: str | None = None
    syndication_outlet: str | None = None
    copyright_outlet: str | None = None
    wire_outlet: str | None = None


def _words(line: str) -> int:
    return len(line.split())


def is_prose(line: str) -> bool:
    """A sentence-like line: ends like a sentence and has some length, or is long.

    >>> is_prose("Officials said the talks would resume next week."), is_prose("Related Posts")
    (True, False)
    >>> is_prose("岐阜駅前店を7月1日にオープンすると発表しました。" * 2)
    True
    """
    n = _words(line)
    ends = line.rstrip().endswith(_TERMINAL)
    # scripts without spaces (Chinese, Japanese, Thai) have one "word" per line:
    # fall back on characters there
    return (n >= 8 and ends) or n >= 30 or len(line) >= 200 or (ends and len(line) >= 40)


def is_headline_like(line: str, min_words: int = 1, max_words: int = 30) -> bool:
    """Short, starts with a capital/digit/quote, no sentence-final punctuation.

    >>> is_headline_like("Russia seeks military assistance from China")
    True
    >>> is_headline_like("The talks resumed on Monday.")
    False
    >>> is_headline_like("“All bets are off.”"), is_headline_like("WASHINGTON —")
    (False, False)
    """
    n = _words(line)
    if not (min_words <= n <= max_words) or len(line) > 250:
        return False
    # look through closing quotes/brackets: "'All Bets Are Off.'" is a quoted sentence;
    # a trailing dash is a dateline fragment ("WASHINGTON —"), not a headline
    if line.rstrip(" \"'”’»)]").endswith(('.', '!', ',', ';', ':', '…', '—', '–', '-')):
        return False
    first = line.lstrip("“\"'‘«(")[:1]
    return bool(first) and (first.isupper() or first.isdigit())


def _norm(line: str) -> str:
    return re.sub(r"[\W_]+", " ", line.casefold()).strip()


def same_title(a: str | None, b: str | None) -> bool:
    """Equal up to case, punctuation and spacing, or one is most of the other's start
    (the ``<title>`` often carries a " | Site" suffix the on-page headline lacks).

    >>> same_title("China weighs sending arms – ISW", "China weighs sending arms - ISW")
    True
    >>> same_title("Storm hits the coast", "Storm hits the coast ｜ Daily Planet")
    True
    >>> same_title("Storm", "Storm hits coast")
    False
    """
    if not a or not b:
        return False
    x, y = _norm(a), _norm(b)
    if x == y:
        return True
    short, long_ = sorted((x, y), key=len)
    return len(short) >= 15 and long_.startswith(short) and len(short) >= 0.5 * len(long_)


def classify_blocks(blocks: list[list[str]], *, known_title: str | None = None,
                    plain_text: bool = True) -> Classified:
    """Classify lines of ``blocks``; see the module docstring for the passes.

    ``known_title`` (from a hint or HTML metadata) wins over the first line;
    ``plain_text=False`` (extractor output of an HTML page) skips the
    other-headline rule and does not look for a title line.
    """
    out = Classified(title=known_title)
    # labels[i][j]: None = keep, else the reason line j of block i is dropped
    labels: list[list[str | None]] = [[None] * len(b) for b in blocks]

    # Pass 1: rule table, promo blocks, link lists, lines without a letter.
    in_link_list = False
    for i, block in enumerate(blocks):
        promo_block = (len(block) >= 3 and all(len(x) < 120 for x in block)
                       and any(PROMO_RE.search(x) for x in block))
        for j, line in enumerate(block):
            if promo_block:
                labels[i][j] = "promo"
                continue
            reason = match_line(line) or (None if _HAS_LETTER.search(line) else "separator")
            if reason is None and in_link_list and is_headline_like(line, 2, 25):
                reason = "related-links"
            # a bare header ("Related Posts", "Read also:") heads a list of links;
            # "Read also: <headline>" is a link by itself
            header = reason in RELATED_HEADER_REASONS and _words(line) <= 3
            in_link_list = header or (in_link_list and reason is not None)
            labels[i][j] = reason
            if reason == "syndication-footer":
                out.syndication_outlet = out.syndication_outlet or outlet_from_syndication(line)
            elif reason in ("copyright-notice", "funding-notice"):
                out.copyright_outlet = out.copyright_outlet or outlet_from_copyright(line)

    positions = [(i, j) for i, b in enumerate(blocks) for j in range(len(b))
                 if labels[i][j] is None]

    # Pass 2: header zone, up to the first prose line.
    title_seen = False
    for k, (i, j) in enumerate(positions):
        line = blocks[i][j]
        if is_prose(line) or k >= HEADER_LINES:
            break
        if not plain_text and _words(line) <= 3 and len(line) <= 30 and not parse_dateline(line) \
                and not (known_title and same_title(line, known_title)):
            # extractor leftovers above the story: section labels, "Watch Queue", "Ao minuto"
            labels[i][j] = "header-fragment"
            continue
        if out.dateline is None and (stamp := parse_dateline(line)):
            out.dateline, labels[i][j] = stamp, "dateline"
            continue
        if not out.authors and (byline := parse_byline(line)):
            out.byline_outlet, out.authors = byline
            labels[i][j] = "byline"
            continue
        if (not title_seen and _LIVE_RE.search(line) and _words(line) <= 12
                and k + 1 < len(positions)):
            # a live-blog banner is the page's title, not the story's
            nxt = blocks[positions[k + 1][0]][positions[k + 1][1]]
            if not is_prose(nxt):
                labels[i][j] = "live-blog-header"
                continue
        if known_title and same_title(line, known_title):
            labels[i][j] = "duplicate-title" if title_seen else "title"
            title_seen = True
            continue
        if plain_text and not title_seen and not known_title and is_headline_like(line) \
                and k + 1 < len(positions):
            out.title, labels[i][j] = line, "title"
            title_seen = True
            continue

    # Pass 3: body.
    kept = [(i, j) for (i, j) in positions if labels[i][j] is None]
    for n, (i, j) in enumerate(kept):
        line = blocks[i][j]
        if out.title and same_title(line, out.title):
            labels[i][j] = "duplicate-title"
            continue
        if not plain_text or n == 0 or len(blocks[i]) > 1:
            continue
        if (not is_headline_like(line, 4, 18) or is_prose(line) or _EXPLAINER_RE.match(line)
                or line.rstrip(" \"'”’»)]").endswith("?")):
            continue  # questions are sub-headings or quotes, not links to other stories
        prev_line = blocks[kept[n - 1][0]][kept[n - 1][1]]
        next_line = blocks[kept[n + 1][0]][kept[n + 1][1]] if n + 1 < len(kept) else None
        if is_prose(prev_line) and (next_line is None or is_prose(next_line)):
            labels[i][j] = "other-headline"

    # Collect.
    for i, block in enumerate(blocks):
        keep = [line for j, line in enumerate(block) if labels[i][j] is None]
        if keep:
            out.paragraphs.append("\n".join(keep))
        drop: list[tuple[str, str]] = []
        for j, line in enumerate(block):
            reason = labels[i][j]
            if reason is None:
                continue
            if drop and drop[-1][1] == reason and reason in ("promo", "related-links"):
                drop[-1] = (drop[-1][0] + "\n" + line, reason)  # one entry per ad/list
            else:
                drop.append((line, reason))
        out.boilerplate.extend(Boilerplate(text, reason) for text, reason in drop)
    if out.paragraphs:
        out.wire_outlet = outlet_from_wire_dateline(out.paragraphs[0])
    return out
