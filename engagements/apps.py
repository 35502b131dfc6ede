from importlib import import_module

from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"

    def ready(self) -> None:
        # The rules the directory asks before an import marks someone as having left
        # (directory.leaving's signal): connected on start, whichever door the import
        # comes through (the page, a worker, the management command).
        import_module("engagements.programme")
