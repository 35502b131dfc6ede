"""What a goal is about: its words matched to the directory's skills."""

from __future__ import annotations

import difflib
import re

from directory.models import Skill

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
