from django.apps import AppConfig

# Imported for its signal receivers: what each request's log line says.
from mentorship import logs  # noqa: F401


class MentorshipConfig(AppConfig):
    name = "mentorship"
