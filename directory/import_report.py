"""What an employee import tells the admin who ran it: what it changed (the counts, and
the departments, skills and people by name), or why it changed nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

# A first import may create hundreds of departments; the message names a few.
NAMES_SHOWN = 20


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
                shown = [show(name) for name in names[:NAMES_SHOWN]]
                if len(names) > NAMES_SHOWN:
                    shown.append(f"and {len(names) - NAMES_SHOWN:,} more")
                text += f" {label}: {', '.join(shown)}."
        return text


def show(value: str, limit: int = 60) -> str:
    """A value quoted in a message, cut short: a bad cell may be 100 000 characters."""
    value = value.replace("\x00", "�")
    return value if len(value) <= limit else value[: limit - 1] + "…"
