from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        from tasks.selectors import sqlite_local_time
        from tasks.services import sqlite_next_version

        connection.connection.create_function("sqlite_local_time", 2, sqlite_local_time, deterministic=True)
        connection.connection.create_function("sqlite_next_version", 2, sqlite_next_version, deterministic=True)


class TasksConfig(AppConfig):
    name = "tasks"

    def ready(self) -> None:
        # "overdue" needs the owner's wall-clock time inside the list's one
        # query, and a write the next version of a task inside its statement.
        connection_created.connect(_register_sqlite_functions)
