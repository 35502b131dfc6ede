"""Directory search.

On PostgreSQL, three steps in two queries:
1. Each word the person typed is stemmed and corrected against the directory's own
   vocabulary (`SearchTerm`): words within a small edit distance, or starting with it
   (people type as they search). "pyton" → python, "smtih" → smith, "negoti" → negoti…
2. Employees whose stored, weighted `search_vector` matches every word (any of its
   corrections) are found through the GIN index.
3. Where a word matched decides the tier: name or skill first, then title, then
   department, then location or bio, then learning interests last. Within a tier the
   text rank (name and skills weigh A, title B, department C, location, bio and
   interests D) plus how close the query is to a matching name orders, so an exact
   name beats a mention in someone's bio and "jon smtih" puts John Smith before Jonas.
On SQLite (the embedded default) a plain contains-search is enough.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Func, Q, Value, When
from django.db.models.functions import Greatest, Length, Lower

from directory.models import Employee, EmployeeQuerySet, SearchTerm, Skill

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
    return _contains_search(qs, text)


# ---------------------------------------------------------------------------
# PostgreSQL


class Levenshtein(Func):
    function = "levenshtein"
    template = "%(function)s(%(expressions)s)::float"
    output_field = FloatField()


class Weighted(Func):
    """The lexemes of a search vector with one weight: where in the profile a word is."""

    template = "ts_filter(%(expressions)s, '{%(weight)s}')"
    output_field = SearchVectorField()


# For every typed word: its English stem, then the vocabulary words that start with it
# (people type as they search), that are the word with two neighbouring letters swapped
# ("smtih" → smith), or that are one edit away (two for long words). The first line of
# the WHERE only uses indexes (trigram GIN for LIKE and %, the unique b-tree for =), so
# the edit distance is computed for a handful of candidates, not the whole vocabulary.
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
# Low enough that one typo in a short word still shares a trigram or two ("jon"/"john"
# is 0.29); the edit distance then decides.
TRIGRAM_THRESHOLD = "0.2"


def swaps(word: str) -> str:
    """The word with each pair of neighbouring letters swapped: the commonest typo."""
    return " ".join(word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1))


def corrections(words: list[str]) -> dict[str, tuple[str, set[str]]]:
    """Each typed word that matches anything: its stem and its corrections."""
    if not words:
        return {}
    with transaction.atomic(), connection.cursor() as cursor:
        # set_config(..., true) lasts until the end of this transaction only.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [TRIGRAM_THRESHOLD]
        )
        cursor.execute(CORRECTIONS_SQL, [words, [swaps(w) for w in words], CORRECTIONS_PER_WORD])
        rows = cursor.fetchall()
    found: dict[str, tuple[str, set[str]]] = {}
    for index, stem, word in rows:
        found.setdefault(words[index - 1], (stem, set()))[1].add(word)
    return found


def corrected_query(text: str) -> str | None:
    """A raw tsquery: every typed word must match, through any of its corrections."""
    return _tsquery(corrections(words_of(text)), " & ")


def _tsquery(found: dict[str, tuple[str, set[str]]], operator: str) -> str | None:
    # A word with no match anywhere is not in `found`: dropped rather than emptying the
    # results.
    if not found:
        return None
    return operator.join(
        "(" + " | ".join(sorted({f"{_lexeme(stem)}:*", *map(_lexeme, fixes)})) + ")"
        for stem, fixes in found.values()
    )


def _lexeme(word: str) -> str:
    return "'" + word.replace("'", "''").replace("\\", "") + "'"


def _postgres_search(qs: EmployeeQuerySet, text: str) -> EmployeeQuerySet:
    found = corrections(words_of(text))
    if not found:
        return qs.none()
    query = SearchQuery(_tsquery(found, " & "), search_type="raw", config="simple")
    any_word = SearchQuery(_tsquery(found, " | "), search_type="raw", config="simple")
    # Location, bio and interests share weight D, so the bio is read on its own; only
    # for the rows no stronger field matched (CASE stops at the first true branch).
    bio = SearchVector("location", "bio", config="english")
    tier = Case(
        *[
            When(SearchVectorExact(Weighted("search_vector", weight=w), any_word), then=n)
            for n, w in enumerate("abc")
        ],
        When(SearchVectorExact(bio, any_word), then=3),
        default=4,
    )
    lowered = text.lower()
    # How close the query is to the name, for names that match: "pyton" is no closer to
    # Petra Wagner than to John Smith.
    name_closeness = Case(
        When(
            SearchVectorExact(SearchVector("full_name", config="simple"), any_word),
            then=Greatest(
                TrigramWordSimilarity(Value(lowered), Lower("full_name")),
                Value(1.0)
                - Levenshtein(Value(lowered), Lower("full_name"))
                / Greatest(Length("full_name"), Value(len(lowered)), output_field=FloatField()),
            ),
        ),
        default=Value(0.0),
    )
    return (
        qs.filter(search_vector=query)
        .annotate(
            search_tier=tier,
            # Rank normalised into [0, 1) (flag 32), so the name weighs as much as the text.
            rank=SearchRank(F("search_vector"), query, normalization=Value(32)) + name_closeness,
        )
        .order_by("search_tier", "-rank", "-open_to_mentoring", "full_name", "pk")
    )


REFRESH_SQL = """
UPDATE directory_employee AS e SET search_vector =
    setweight(to_tsvector('simple', e.full_name), 'A')
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


def _contains_search(qs: EmployeeQuerySet, text: str) -> EmployeeQuerySet:
    """SQLite: every word (or a close spelling of it from the vocabulary) is contained in
    the name, title, bio, skills or department."""
    vocabulary = list(SearchTerm.objects.values_list("word", flat=True))
    matches = Q()
    for word in words_of(text):
        spellings = [word, *difflib.get_close_matches(word, vocabulary, n=4, cutoff=0.75)]
        any_spelling = Q()
        for spelling in spellings:
            any_spelling |= (
                Q(full_name__icontains=spelling)
                | Q(title__icontains=spelling)
                | Q(bio__icontains=spelling)
                | Q(skills__name__icontains=spelling)
                | Q(department__name__icontains=spelling)
            )
        matches &= any_spelling
    return qs.filter(pk__in=Employee.objects.filter(matches).values("pk"))


def refresh_search_vectors(employee_ids: Iterable[int]) -> None:
    """Recompute the stored search vector and the vocabulary for these employees."""
    ids = list(employee_ids)
    if connection.vendor != "postgresql":
        _refresh_vocabulary(ids)
        return
    with connection.cursor() as cursor:
        cursor.execute(REFRESH_SQL, [ids])
        cursor.execute(VOCABULARY_SQL, [ids])


def _refresh_vocabulary(ids: list[int]) -> None:
    """SQLite: the vocabulary is the plain words of names, titles, skills, departments."""
    words: set[str] = set()
    rows = Employee.objects.filter(pk__in=ids).values_list(
        "full_name", "title", "department__name", "skills__name"
    )
    for row in rows.iterator():
        for value in row:
            words.update(w for w in words_of(value or "") if len(w) >= 2)
    SearchTerm.objects.bulk_create(
        [SearchTerm(word=w) for w in words], ignore_conflicts=True, batch_size=500
    )


def analyze() -> None:
    """Fresh planner statistics after a bulk load, so the search index is used at once
    (autovacuum may be slow to notice, or off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE directory_employee, directory_employee_skills, directory_searchterm"
            )


# ---------------------------------------------------------------------------
# What a goal is about: its words matched to the directory's skills

STOP_WORDS = {"and", "the", "for", "with", "from", "into", "our", "your", "my", "how", "get"}


def skills_in_text(text: str, *, limit: int = 3) -> list[Skill]:
    """The skills a goal's words are about: "get better at negotiating" → Negotiation.
    One query; word-form and typo tolerant (difflib's close matches over the words of
    skill names, which it prefilters cheaply); short names (Go, SEO) only match exactly.
    """
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 2 and w not in STOP_WORDS]
    if not words:
        return []
    by_word: dict[str, list[Skill]] = {}
    for skill in Skill.objects.all():
        for name_word in set(re.findall(r"[a-z]+", skill.name.lower())):
            by_word.setdefault(name_word, []).append(skill)
    fuzzy_words = [w for w in by_word if len(w) >= 4 and w not in STOP_WORDS]
    best: dict[int, tuple[float, Skill]] = {}
    for word in words:
        scores = {word: 1.0} if word in by_word and word not in STOP_WORDS else {}
        if len(word) >= 3:
            for close in difflib.get_close_matches(word, fuzzy_words, n=5, cutoff=0.8):
                scores.setdefault(close, difflib.SequenceMatcher(None, word, close).ratio())
        for name_word, score in scores.items():
            for skill in by_word[name_word]:
                if score > best.get(skill.pk, (0.0, None))[0]:
                    best[skill.pk] = (score, skill)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].name))
    return [skill for _, skill in ranked[:limit]]
