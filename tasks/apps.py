from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        from tasks.selectors import sqlite_local_time

        connection.connection.create_function("sqlite_local_time", 2, sqlite_local_time, deterministic=True)


class TasksConfig(AppConfig):
    name = "tasks"

    def ready(self) -> None:
        # "overdue" needs the owner's wall-clock time inside the list's one query.
        connection_created.connect(_register_sqlite_functions)
