import django.db.models.functions.text
import django.db.models.lookups
import tasks.models
from django.conf import settings
from django.db import migrations, models

# PostgreSQL only (SQLite has no GIN): ?tag= and ?q= are answered from these
# when the tag or text is rare; the planner combines them with the user's
# btree index (BitmapAnd) or, for a common one, reads the sort's index and
# filters. With the user id in the GIN index too (btree_gin) the planner's
# estimate for that column was so high it never used it. The text index
# covers title and description as one string joined by U+0001, which neither
# may contain, so no match straddles the two; the list's SQL
# (tasks/selectors.py) repeats the expression exactly, or it is not used.
GIN_INDEXES = {
    "task_tags_idx": "tags jsonb_path_ops",
    "task_text_idx": "(title || chr(1) || description) gin_trgm_ops",
}


def create_gin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A trusted extension (any database owner may create it; Neon has it).
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, columns in GIN_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX {name} ON tasks_task USING gin ({columns})")


def drop_gin_indexes(apps, schema_editor):
    # The extension stays: other objects of the database may use it.
    if schema_editor.connection.vendor == "postgresql":
        for name in GIN_INDEXES:
            schema_editor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0003_list_indexes'),
        ('users', '0003_timezone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='task',
            name='due_date',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='task',
            name='due_time',
            field=models.TimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='task',
            name='priority',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(0, 'none'), (1, 'low'), (2, 'medium'), (3, 'high')], default=0),
        ),
        migrations.AddField(
            model_name='task',
            name='tags',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='task',
            name='due_rank',
            field=models.GeneratedField(db_persist=True, expression=tasks.models.DueRank(), output_field=models.BigIntegerField()),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['user', '-due_rank', '-created_at', '-id'], name='task_user_due_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['user', 'completed', '-due_rank', '-created_at', '-id'], name='task_user_status_due_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['user', '-priority', '-created_at', '-id'], name='task_user_priority_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['user', 'completed', '-priority', '-created_at', '-id'], name='task_user_status_priority_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['user', '-updated_at', '-created_at', '-id'], name='task_user_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['user', 'completed', '-updated_at', '-created_at', '-id'], name='task_user_status_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(models.F('user'), django.db.models.functions.text.Lower('title'), models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='task_user_title_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(models.F('user'), models.F('completed'), django.db.models.functions.text.Lower('title'), models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='task_user_status_title_idx'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=models.Q(('priority__lte', 3)), name='task_priority_known'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=models.Q(('due_time__isnull', True), ('due_date__isnull', False), _connector='OR'), name='task_due_time_needs_due_date'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.Exact(tasks.models.JSONType('tags'), 'array'), name='task_tags_array'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(tasks.models.JSONArrayLength('tags'), 20), name='task_tags_count'),
        ),
        migrations.RunPython(create_gin_indexes, drop_gin_indexes),
    ]
