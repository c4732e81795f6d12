"""Word lists shared by the stages: month and weekday names, function words.

    >>> MONTHS["sept"], WEEKDAYS["sunday"]
    (9, 6)
    >>> "the" in FUNCTION_WORDS, "not" in FUNCTION_WORDS
    (True, False)

One list of each, so that the date readers (cleaning, temporal expressions) agree on
what a month is and the stages that skip function words skip the same ones. A stage
that skips more says so by name (:data:`TOPIC_NEUTRAL_WORDS`). Negations and modals
are not function words here: what a copy changed ("not", "may") is meaning.
"""

from __future__ import annotations

#: month name or abbreviation -> month number
MONTHS: dict[str, int] = {name: n for n, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
     ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
     ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], start=1) for name in names}

#: weekday name -> ``date.weekday()`` number (Monday is 0)
WEEKDAYS: dict[str, int] = {d: n for n, d in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}

#: articles, pronouns, prepositions, conjunctions, auxiliaries: words that carry no
#: topic and no change of meaning
FUNCTION_WORDS: frozenset[str] = frozenset({
    "it's", "a", "about", "according", "after", "also", "an", "and", "are", "as", "at", "be",
    "been", "before", "being", "but", "by", "can", "did", "do", "does", "during", "for",
    "from", "had", "has", "have", "he", "her", "his", "how", "i", "in", "into", "is", "it",
    "its", "just", "me", "more", "most", "my", "of", "on", "or", "other", "our", "over",
    "own", "said", "same", "say", "says", "shall", "she", "should", "so", "such", "tell",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "to", "told", "too", "under", "very", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "whom", "whose", "why", "will", "with", "would",
    "you", "your",
})

#: words frequent in any news story that say nothing of its topic: dates and counts
#: ("day", "two"), quantifiers, modals and negations; skipped when telling stories apart
TOPIC_NEUTRAL_WORDS: frozenset[str] = frozenset({
    "all", "any", "could", "day", "days", "first", "get", "got", "if", "last", "like",
    "many", "may", "might", "much", "must", "new", "no", "not", "now", "one", "out",
    "some", "time", "two", "up", "us", "week", "weeks", "year", "years",
})
