"""What a goal is about: its words matched to the directory's skills."""

from __future__ import annotations

import difflib
import functools
import re

from directory.models import Skill

STOP_WORDS = {"and", "the", "for", "with", "from", "into", "our", "your", "my", "how", "get"}

SkillRow = tuple[int, str, str]  # id, name, slug


def skills_in_text(text: str, *, limit: int = 3) -> list[Skill]:
    """The skills a goal's words are about: "get better at negotiating" → Negotiation.
    One query; word-form and typo tolerant (difflib's close matches over the words of
    skill names, which it prefilters cheaply); short names (Go, SEO) only match exactly.
    """
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 2 and w not in STOP_WORDS]
    if not words:
        return []
    # The skills as they are now (one query for plain rows), and the index of their
    # words kept per process for as long as they stay the same.
    vocabulary = _vocabulary(tuple(Skill.objects.order_by("pk").values_list("pk", "name", "slug")))
    best: dict[int, tuple[float, SkillRow]] = {}
    for word in words:
        for name_word, score in vocabulary.scores(word):
            for skill in vocabulary.by_word[name_word]:
                if score > best.get(skill[0], (0.0, None))[0]:
                    best[skill[0]] = (score, skill)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1][1]))
    fields = ["id", "name", "slug"]
    return [Skill.from_db(Skill.objects.db, fields, skill) for _, skill in ranked[:limit]]


class Vocabulary:
    """The words of the skills' names, and how close a goal's word is to each. A goal's
    words are scored against every skill word with difflib, ~0.15 ms a word: a long goal
    redrawn as it is typed, or the declined page's goals, scored the same words again and
    again (~2 ms a request). Scores are kept per word, as many as `WORDS_KEPT`."""

    WORDS_KEPT = 4096

    def __init__(self, skills: tuple[SkillRow, ...]):
        self.by_word: dict[str, list[SkillRow]] = {}
        for skill in skills:
            for name_word in set(re.findall(r"[a-z]+", skill[1].lower())):
                self.by_word.setdefault(name_word, []).append(skill)
        self.fuzzy_words = [w for w in self.by_word if len(w) >= 4 and w not in STOP_WORDS]
        self.scores = functools.lru_cache(maxsize=self.WORDS_KEPT)(self._scores)

    def _scores(self, word: str) -> tuple[tuple[str, float], ...]:
        """(skill word, closeness) for the skill words this word may mean."""
        scores = {word: 1.0} if word in self.by_word and word not in STOP_WORDS else {}
        if len(word) >= 3:
            for close in difflib.get_close_matches(word, self.fuzzy_words, n=5, cutoff=0.8):
                scores.setdefault(close, difflib.SequenceMatcher(None, word, close).ratio())
        return tuple(scores.items())


@functools.lru_cache(maxsize=4)
def _vocabulary(skills: tuple[SkillRow, ...]) -> Vocabulary:
    return Vocabulary(skills)
