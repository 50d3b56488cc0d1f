from django.db import migrations

# PostgreSQL only. The planner estimates ``q``'s ILIKE '%word%' from the
# histogram of the text index's expression: with the default 100 entries, a
# word in 1% of the tasks matched none of them, was taken for 40 rows of
# 221,000 (there were 3,700), and the planner fetched every match through the
# trigram index and sorted them, where reading the sort's index until a page
# was full took an eighth of the time. With 1,000 entries the estimate is
# right and it chooses well both ways (a rare word still goes through the
# trigram index). ANALYZE samples more rows of the table for it.
STATISTICS = 1000


def set_statistics(target):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER INDEX task_text_idx ALTER COLUMN 1 SET STATISTICS {target}")

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0005_planning"),
    ]

    operations = [
        migrations.RunPython(set_statistics(STATISTICS), set_statistics(-1)),
    ]
