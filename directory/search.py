"""Directory search.

Both databases follow the same rules:
1. Each word the person typed is corrected against the directory's own vocabulary
   (`SearchTerm`): "pyton" → python, "smtih" → smith, and a word typed halfway matches
   the words it starts ("negoti" → negotiation). A word matching nothing is dropped.
2. Every word must match somewhere: name, skills, title, department, location, bio or
   learning interests.
3. Where a word matched decides the tier: name or skill first, then title, then
   department, then location or bio, and people learning it (an interest) last, even
   when their bio mentions it too: an expert comes before someone whose bio mentions
   the skill, who comes before someone learning it.
   Within a tier a name close to the query comes first ("jon smtih": John Smith before
   Jonas Smith), then the text rank (name and skills weigh most, interests least).
4. Each result carries the query's words (`search_words`); `Employee.match_reasons`
   explains the match from them and the prefetched skills and interests.

PostgreSQL corrects by trigram and edit distance and searches a stored, weighted
`search_vector` (name and skills A, title B, department C, location, bio and interests
D) through a GIN index. SQLite (the embedded default) corrects with difflib and
searches an FTS5 table ranked by bm25().
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.db.models import FloatField, Prefetch, Value
from django.db.models.expressions import RawSQL

from directory.models import EmployeeQuerySet, SearchTerm, folded

MAX_QUERY_LENGTH = 100
MAX_WORDS = 6
CORRECTIONS_PER_WORD = 12


def normalise(text: str) -> str:
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())[:MAX_WORDS]


def search_employees(qs: EmployeeQuerySet, text: str) -> EmployeeQuerySet:
    text = normalise(text)
    if not text:
        return qs
    if connection.vendor == "postgresql":
        return _postgres_search(qs, text)
    return _sqlite_search(qs, text)


# ---------------------------------------------------------------------------
# PostgreSQL


class OnceQuery(SearchQuery):
    """A raw tsquery made once per query, not once per row. The app's statements are
    prepared (settings: server-side parameters), and in a prepared statement's generic
    plan `to_tsquery($1)` is a call per row: ranking "negotiation"'s 3 600 matches took
    16 ms instead of 5. As a scalar subquery it is made once (an InitPlan)."""

    def __init__(self, value: str):
        super().__init__(value, search_type="raw", config="simple")

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = super().as_sql(compiler, connection, function, template)
        return f"(SELECT {sql})", params


# For every typed word: its English stem, then the vocabulary words that start with it
# (people type as they search), that are the word with two neighbouring letters swapped
# ("smtih" → smith), or that are one edit away (two for long words). The first line of
# the WHERE only uses indexes (trigram GIN for LIKE and %, the unique b-tree for =), so
# the edit distance is computed for a handful of candidates, not the whole vocabulary.
# The trigram candidates (`%`) use pg_trgm.similarity_threshold, 0.2 on every
# connection (settings.DATABASES: set per query, it took three round trips more): low
# enough that one typo in a short word still shares a trigram or two ("jon"/"john" is
# 0.29, under the default 0.3); the edit distance then decides.
CORRECTIONS_SQL = """
WITH typed AS (
    SELECT i, word, tsvector_to_array(to_tsvector('english', swaps)) AS swaps,
        trim(both '''' from coalesce(
            nullif(strip(to_tsvector('english', word))::text, ''), quote_literal(word))) AS stem,
        CASE WHEN length(word) <= 2 THEN 0 WHEN length(word) <= 7 THEN 1 ELSE 2 END AS tol
    FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS t(word, swaps, i)
)
SELECT s.i, s.stem, c.word FROM typed s
CROSS JOIN LATERAL (
    SELECT t.word FROM directory_searchterm t
    WHERE (t.word LIKE s.stem || '%%' OR t.word = ANY(s.swaps)
           OR t.word %% s.stem OR t.word %% s.word)
      AND (t.word LIKE s.stem || '%%' OR t.word = ANY(s.swaps)
           OR levenshtein_less_equal(s.stem, t.word, s.tol) <= s.tol
           OR levenshtein_less_equal(s.word, t.word, s.tol) <= s.tol)
    ORDER BY levenshtein(s.stem, t.word), t.word
    LIMIT %s
) c
"""


def swaps(word: str) -> str:
    """The word with each pair of neighbouring letters swapped: the commonest typo."""
    return " ".join(word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1))


def corrections(words: list[str]) -> dict[str, tuple[str, set[str]]]:
    """Each typed word that matches anything: its stem and its corrections."""
    if not words:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(CORRECTIONS_SQL, [words, [swaps(w) for w in words], CORRECTIONS_PER_WORD])
        rows = cursor.fetchall()
    found: dict[str, tuple[str, set[str]]] = {}
    for index, stem, word in rows:
        found.setdefault(words[index - 1], (stem, set()))[1].add(word)
    return found


def corrected_query(text: str) -> str | None:
    """A raw tsquery: every typed word must match, through any of its corrections."""
    return _tsquery(corrections(words_of(text)), " & ")


def _tsquery(found: dict[str, tuple[str, set[str]]], operator: str, weight: str = "") -> str | None:
    """`weight` ("A", "B"...) matches only lexemes of that weight: where in the profile.
    A word with no match anywhere is not in `found`: dropped, not emptying the results."""
    if not found:
        return None
    label = f":{weight}" if weight else ""
    return operator.join(
        "("
        + " | ".join(sorted({f"{_lexeme(stem)}:*{weight}", *(_lexeme(f) + label for f in fixes)}))
        + ")"
        for stem, fixes in found.values()
    )


def _lexeme(word: str) -> str:
    return "'" + word.replace("'", "''").replace("\\", "") + "'"


# The ranking, as SQL: building and compiling it as ORM expressions (Case, When,
# SearchRank, a Levenshtein Func...) cost ~8 ms of a ~40 ms search page, twice compiled
# (the page's ids, then its rows); the same SQL as text costs nothing to build. Each
# tsquery is a scalar subquery, made once per query (see OnceQuery). It names the table
# itself, as the SQLite branch does: a search's queryset is read as it is, never nested
# in another query (where Django would rename the table U0).
TSQUERY = "(SELECT to_tsquery('simple', %s))"
# The tier by weight: a query whose lexemes carry the weight ('negoti':*A) matches the
# stored vector as it is. Filtering the vector by weight first (ts_filter) copied it for
# every match: 12 ms instead of 6 ms for "negotiation"'s 3 600 matches. Location, bio
# and interests share weight D: a D match is a learner's when one of their interests
# matches. The matching skills are found once (a hashed subplan), so no row's bio is
# parsed again.
TIER_SQL = f"""CASE
    WHEN "directory_employee"."search_vector" @@ {TSQUERY} THEN 0
    WHEN "directory_employee"."search_vector" @@ {TSQUERY} THEN 1
    WHEN "directory_employee"."search_vector" @@ {TSQUERY} THEN 2
    WHEN EXISTS (
        SELECT 1 FROM directory_employee_interests i
        WHERE i.employee_id = "directory_employee"."id" AND i.skill_id IN (
            SELECT s.id FROM directory_skill s
            WHERE to_tsvector('english', coalesce(s.name, '')) @@ {TSQUERY})
        LIMIT 1) THEN 4
    ELSE 3 END"""
# The text rank normalised into [0, 1) (flag 32), plus, for a name that matches, how
# close the query is to it, so the name weighs as much as the text: "pyton" is no closer
# to Petra Wagner than to John Smith. The name's own vector is stored: made per row, it
# was half the ranking's time ("negotiation", 3 600 matches: 9.5 ms, 4 without it).
RANK_SQL = f"""ts_rank("directory_employee"."search_vector", {TSQUERY}, 32) + CASE
    WHEN "directory_employee"."name_vector" @@ {TSQUERY}
    THEN greatest(
        word_similarity(%s, lower("directory_employee"."full_name")),
        1.0 - levenshtein(%s, lower("directory_employee"."full_name"))::float
            / greatest(length("directory_employee"."full_name"), %s))
    ELSE 0.0 END"""


def _postgres_search(qs: EmployeeQuerySet, text: str) -> EmployeeQuerySet:
    found = corrections(words_of(text))
    if not found:
        return qs.none()
    every_word, any_word = _tsquery(found, " & "), _tsquery(found, " | ")
    tiers = [_tsquery(found, " | ", weight=w) for w in "ABC"]
    lowered = text.lower()
    words = {folded(w) for typed, (stem, fixes) in found.items() for w in (typed, stem, *fixes)}
    return (
        qs.filter(search_vector=OnceQuery(every_word))
        .annotate(
            search_tier=RawSQL(TIER_SQL, [*tiers, any_word]),
            rank=RawSQL(
                RANK_SQL,
                [every_word, any_word, lowered, lowered, len(lowered)],
                output_field=FloatField(),
            ),
            search_words=Value(" ".join(sorted(words))),
        )
        .prefetch_related(Prefetch("interests", to_attr="interest_list"))
        .order_by("search_tier", "-rank", "-open_to_mentoring", "full_name", "pk")
    )


REFRESH_SQL = """
UPDATE directory_employee AS e SET name_vector = to_tsvector('simple', e.full_name),
    search_vector = setweight(to_tsvector('simple', e.full_name), 'A')
    || setweight(to_tsvector('english', coalesce((
        SELECT string_agg(s.name, ' ') FROM directory_employee_skills es
        JOIN directory_skill s ON s.id = es.skill_id WHERE es.employee_id = e.id), '')), 'A')
    || setweight(to_tsvector('english', e.title), 'B')
    || setweight(to_tsvector('english', coalesce((
        SELECT d.name FROM directory_department d WHERE d.id = e.department_id), '')), 'C')
    || setweight(to_tsvector('english', e.location || ' ' || e.bio), 'D')
    || setweight(to_tsvector('english', coalesce((
        SELECT string_agg(s.name, ' ') FROM directory_employee_interests ei
        JOIN directory_skill s ON s.id = ei.skill_id WHERE ei.employee_id = e.id), '')), 'D')
WHERE e.id = ANY(%s)
"""
VOCABULARY_SQL = """
INSERT INTO directory_searchterm (word)
SELECT DISTINCT u.lexeme FROM directory_employee e, unnest(e.search_vector) AS u(lexeme)
WHERE e.id = ANY(%s) AND length(u.lexeme) BETWEEN 2 AND 100
ON CONFLICT (word) DO NOTHING
"""


# ---------------------------------------------------------------------------
# SQLite: an FTS5 table, one row per employee (rowid = id), made by migration 0008

FTS = "directory_employee_fts"
# The table's columns in order, with their bm25() weights.
FTS_WEIGHTS = {
    "full_name": 10,
    "skills": 10,
    "title": 5,
    "department": 3,
    "location": 2,
    "bio": 2,
    "interests": 1,
}
# The tier by the columns a word matched in, strongest first; a match in none of these
# is in the location or bio (tier 3).
FTS_TIERS = {"full_name skills": 0, "title": 1, "department": 2, "interests": 4}
FTS_IDS = f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s"
FTS_TIER_SQL = (
    "CASE "
    + " ".join(
        f'WHEN "directory_employee"."id" IN ({FTS_IDS}) THEN {n}' for n in FTS_TIERS.values()
    )
    + " ELSE 3 END"
)
# The names of an employee's skills or interests: one column of the FTS row.
FTS_NAMES = """coalesce((SELECT group_concat(s.name, ', ') FROM directory_employee_{0} x
        JOIN directory_skill s ON s.id = x.skill_id WHERE x.employee_id = e.id), '')"""
FTS_DELETE_SQL = f"DELETE FROM {FTS} WHERE rowid IN (SELECT value FROM json_each(%s))"
FTS_INSERT_SQL = f"""
INSERT INTO {FTS} (rowid, {", ".join(FTS_WEIGHTS)})
SELECT e.id, e.full_name, {FTS_NAMES.format("skills")}, e.title, coalesce(d.name, ''),
    e.location, e.bio, {FTS_NAMES.format("interests")}
FROM directory_employee e LEFT JOIN directory_department d ON d.id = e.department_id
WHERE e.id IN (SELECT value FROM json_each(%s))
"""
# Every indexed word (a few thousand at most): simpler than finding the new ones.
FTS_VOCABULARY_SQL = f"""
INSERT OR IGNORE INTO directory_searchterm (word)
SELECT term FROM {FTS}_vocab WHERE length(term) BETWEEN 2 AND 100
"""


# PostgreSQL's English stop words, which its vocabulary never holds: "jon" is not "on".
COMMON_WORDS = set(
    """
a about above after again against all am an and any are as at be because been before being
below between both but by can did do does doing don down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such t than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with you your yours yourself yourselves
""".split()
)


def spellings(words: list[str]) -> list[list[str]]:
    """Each typed word that matches anything, as its likeliest spelling (the closest
    vocabulary word, or the word as typed), then the others: the word as typed if some
    indexed word starts with it, and its close matches."""
    terms = SearchTerm.objects.exclude(word__in=COMMON_WORDS)
    vocabulary = list(terms.values_list("word", flat=True))
    found = []
    for word in words:
        typed = [word] if any(v.startswith(word) for v in vocabulary) else []
        close = difflib.get_close_matches(word, vocabulary, n=4, cutoff=0.75)
        if typed or close:
            found.append(list(dict.fromkeys(close[:1] + typed + close)))
    return found


def _fts_any(words: Iterable[str]) -> str:
    """An FTS5 query for any of these words, each also as the start of a longer word
    (as PostgreSQL's stems match every form of a word)."""
    return "(" + " OR ".join('"' + w.replace('"', '""') + '"*' for w in words) + ")"


def _sqlite_search(qs: EmployeeQuerySet, text: str) -> EmployeeQuerySet:
    found = spellings(words_of(text))
    if not found:
        return qs.none()
    query = " AND ".join(map(_fts_any, found))
    any_word = _fts_any(w for group in found for w in group)
    # Within a tier, names matching every word at its likeliest spelling first: "jon
    # smtih" puts John Smith before Jonas Smith (PostgreSQL adds the name's closeness).
    likeliest = " AND ".join(_fts_any(group[:1]) for group in found)
    weights = ", ".join(map(str, FTS_WEIGHTS.values()))
    return (
        # bm25() needs the FTS table in the query's own FROM: in a correlated subquery it
        # recounts the index for every row (27 s for "l" over 10 000 employees, not 16 ms).
        qs.extra(
            select={"search_rank": f"bm25({FTS}, {weights})"},
            tables=[FTS],
            where=[f"{FTS} MATCH %s", f'{FTS}.rowid = "directory_employee"."id"'],
            params=[query],
        )
        .annotate(
            search_tier=RawSQL(FTS_TIER_SQL, [f"{{{c}}} : {any_word}" for c in FTS_TIERS]),
            likely_name=RawSQL(
                f'"directory_employee"."id" IN ({FTS_IDS})', [f"full_name : ({likeliest})"]
            ),
            search_words=Value(" ".join(sorted({folded(w) for group in found for w in group}))),
        )
        .prefetch_related(Prefetch("interests", to_attr="interest_list"))
        .order_by(
            "search_tier", "-likely_name", "search_rank", "-open_to_mentoring", "full_name", "pk"
        )
    )


def refresh_search_vectors(employee_ids: Iterable[int]) -> None:
    """Recompute the search vectors (FTS rows on SQLite) and the vocabulary for these
    employees."""
    ids = list(employee_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(REFRESH_SQL, [ids])
            cursor.execute(VOCABULARY_SQL, [ids])
            return
        cursor.execute(FTS_DELETE_SQL, [json.dumps(ids)])
        cursor.execute(FTS_INSERT_SQL, [json.dumps(ids)])
        cursor.execute(FTS_VOCABULARY_SQL)


def analyze() -> None:
    """Fresh planner statistics after a bulk load, so the search index is used at once
    (autovacuum may be slow to notice, or off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE directory_employee, directory_employee_skills, directory_searchterm"
            )
