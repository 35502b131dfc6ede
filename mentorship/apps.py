from django.apps import AppConfig

# Imported for what they register: the signal receivers that say what each request's log
# line says, and the checks (`manage.py check --deploy` names the development defaults
# production has not replaced; migrate, like every command, refuses mail never sent).
from mentorship import checks, logs  # noqa: F401


class MentorshipConfig(AppConfig):
    name = "mentorship"
