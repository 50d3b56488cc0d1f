import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The name Django gave the foreign key's own index in 0001, on every backend.
INDEX = "tasks_task_user_id_f0e531b0"


class Migration(migrations.Migration):
    """Index the status-filtered list; drop the user-only index that
    task_user_newest_idx makes redundant.

    AlterField alone would also drop and re-create the foreign key on
    PostgreSQL (re-validating every row under lock) and rebuild the whole
    table on SQLite; dropping the index is all the change needs.
    """

    dependencies = [
        ("tasks", "0002_idempotency_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["user", "completed", "-created_at", "-id"], name="task_user_status_newest_idx"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="task",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tasks",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "tasks_task" ("user_id")',
                ),
            ],
        ),
    ]
