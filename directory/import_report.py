"""What an employee import tells the admin who ran it: what it changed (the counts, and
the departments, skills and people by name), or why it changed nothing."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# A first import may create hundreds of departments; the message names a few.
NAMES_SHOWN = 20
# A file wrong throughout has a problem or more on every line: 20 000 bad rows made a
# page of 4 MB. The report lists the first problems and counts them all by kind.
PROBLEMS_SHOWN = 200
KINDS_SHOWN = 20
# What tells two problems of one kind apart: a quoted value, an address (or a cycle's
# chain of them), a number (a line, a length).
PARTICULARS = re.compile(r"“[^”]*”|\S+@\S*(?: → .*)?|\d+")


@dataclass
class ImportResult:
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Created by the import, in file order: a new one is often a typo.
    new_departments: list[str] = field(default_factory=list)
    new_skills: list[str] = field(default_factory=list)
    # Whose `active` the file changed (their logins follow: directory.logins).
    left: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        """The counts, and the departments and skills the import created, by name."""
        text = f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged."
        for label, names in [
            ("New departments", self.new_departments),
            ("New skills", self.new_skills),
            ("No longer active", self.left),
            ("Active again", self.returned),
        ]:
            if names:
                text += f" {label}: {listed(names)}."
        return text

    @property
    def report(self) -> dict:
        return problem_report(self.errors)


def problem_report(errors: list[tuple[int, str]]) -> dict:
    """A refused file's problems as the admin reads them, in JSON (a background import
    keeps it on its run): how many, the first PROBLEMS_SHOWN in file order and, when
    that is not all, on how many lines each kind of problem is, the commonest first."""
    kinds = []
    if len(errors) > PROBLEMS_SHOWN:
        lines = dict.fromkeys((line, kind_of(message)) for line, message in errors)
        kinds = [list(pair) for pair in Counter(kind for _, kind in lines).most_common()]
        # Bounded whatever the messages: the rarest kinds are counted together.
        if len(kinds) > KINDS_SHOWN:
            rest = sum(count for _, count in kinds[KINDS_SHOWN - 1 :])
            kinds[KINDS_SHOWN - 1 :] = [["other kinds of problem", rest]]
    return {
        "count": len(errors),
        "shown": [list(error) for error in errors[:PROBLEMS_SHOWN]],
        "more": max(len(errors) - PROBLEMS_SHOWN, 0),
        "kinds": kinds,
    }


def kind_of(message: str) -> str:
    """The problem without its particulars: “bo@” is not a valid email address → “…” is
    not a valid email address."""
    return PARTICULARS.sub(lambda match: "“…”" if match[0][0] == "“" else "…", message)


def listed(names: list[str], limit: int = 60) -> str:
    """Names in a message: the first few, each cut short, and how many more."""
    shown = [show(name, limit) for name in names[:NAMES_SHOWN]]
    if len(names) > NAMES_SHOWN:
        shown.append(f"and {len(names) - NAMES_SHOWN:,} more")
    return ", ".join(shown)


def show(value: str, limit: int = 60) -> str:
    """A value quoted in a message, cut short: a bad cell may be 100 000 characters."""
    value = value.replace("\x00", "�")
    return value if len(value) <= limit else value[: limit - 1] + "…"
