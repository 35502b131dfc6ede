from importlib import import_module

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Company directory"

    def ready(self) -> None:
        # Logins' addresses kept in lower case (a pre_save receiver), whichever door
        # makes them: sign-up, the Django admin, `createsuperuser`.
        import_module("directory.logins")
