"""What the clusterer compares: per-field terms, named things, a dense vector, a date.

>>> f = extract(Article(id="a" * 16, source="x", title="China weighs drones for Russia",
...                     text="Officials in the US said China is considering supplying drones."))
>>> "china" in f.title and "China" in f.names
True
"""

from __future__ import annotations

import base64
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from newstrace.nlp import embeddings
from newstrace.nlp.lexicon import FUNCTION_WORDS, TOPIC_NEUTRAL_WORDS
from newstrace.nlp.sentences import split_sentences
from newstrace.nlp.temporal import event_date
from newstrace.records import Article

#: words that do not tell one story from another
STOPWORDS = FUNCTION_WORDS | TOPIC_NEUTRAL_WORDS

BODY_WORDS = 400  # the lead carries the event; the tail wanders
LEAD_SENTENCES = 4
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w’'-]+(?:\s+(?:of\s+|de\s+)?[A-Z][\w’'-]+)*)")


@dataclass(slots=True)
class Features:
    article_id: str
    title: Counter[str]
    body: Counter[str]
    names: Counter[str]
    vector: np.ndarray
    date: str | None
    date_from: str | None


def features_to_product(f: Features) -> dict[str, Any]:
    """An article's features as a JSON-ready product (the vector exact, as float32).

    >>> f = Features("a", Counter({"war": 2}), Counter(), Counter({"Kyiv": 1}),
    ...              np.ones(2, np.float32), "2022-03-14", "content")
    >>> back = features_from_product(features_to_product(f))
    >>> back.title, back.vector.tolist(), back.date
    (Counter({'war': 2}), [1.0, 1.0], '2022-03-14')
    """
    return {"article_id": f.article_id, "title": dict(f.title), "body": dict(f.body),
            "names": dict(f.names),
            "vector": base64.b64encode(np.asarray(f.vector, np.float32).tobytes()).decode(),
            "date": f.date, "date_from": f.date_from}


def features_from_product(data: dict[str, Any]) -> Features:
    vector = np.frombuffer(base64.b64decode(data["vector"]), dtype=np.float32).copy()
    return Features(data["article_id"], Counter(data["title"]), Counter(data["body"]),
                    Counter(data["names"]), vector, data["date"], data["date_from"])


def terms(text: str) -> list[str]:
    """Lower-cased content words, crudely stemmed (plural s)."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or len(word) < 3:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def names(text: str) -> list[str]:
    """Capitalised word sequences not opening a sentence: people, places, organisations."""
    found = []
    for line in text.splitlines():
        for m in _NAME.finditer(line):
            name = m.group(1)
            if name.lower() not in STOPWORDS:
                found.append(name)
    return found


def extract(article: Article) -> Features:
    title = article.title or ""
    body_words = article.text.split()[:BODY_WORDS]
    body = " ".join(body_words)
    lead = split_sentences(article.text)[:LEAD_SENTENCES]
    vector = embeddings.mean_vector(embeddings.encode(([title] if title else []) + lead))
    date, date_from = event_date(article.text, article.published)
    return Features(
        article.id,
        Counter(terms(title)),
        Counter(terms(body)),
        Counter(names(title + "\n" + body)),
        vector,
        date,
        date_from,
    )
