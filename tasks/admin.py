from django.contrib import admin, messages
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest

from tasks.models import Task
from tasks.selectors import has_tag_sql, tag_counts
from tasks.services import task_admin_delete, task_admin_save, task_bulk_set_completed
from tasks.tags import tag_normalize


class TagFilter(admin.SimpleListFilter):
    """Tasks carrying one tag (?tag=work). The choices are the tags of the user
    the list is narrowed to (a user's page links there): all tags of all
    users would be a scan of every task on each page view."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        user_id = request.GET.get("user__id__exact", "")
        tags = [tag["name"] for tag in tag_counts(user_id=int(user_id))] if user_id.isascii() and user_id.isdigit() else []
        if self.value() and self.value() not in tags:
            tags.append(self.value())
        return [(tag, tag) for tag in tags]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            tag = tag_normalize(self.value())
        except ValueError:
            return queryset.none()
        has_tag = RawSQL(has_tag_sql(), [tag], output_field=BooleanField())
        return queryset.alias(has_tag=has_tag).filter(has_tag=True)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = (
        "title", "owner", "completed", "priority", "tags", "due_date", "due_time", "completed_at", "created_at", "updated_at"
    )
    list_filter = ("completed", "priority", TagFilter, "due_date", "created_at", "updated_at")
    # The owner's email is on every row: one JOIN instead of a query per row.
    list_select_related = ("user",)
    list_per_page = 100
    search_fields = ("title", "description", "tags", "user__email")
    search_help_text = "Search by title, description, tag or owner email"
    readonly_fields = ("completed_at", "created_at", "updated_at")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"
    actions = ("mark_complete", "mark_incomplete")

    # Every save and delete goes through the services, which keep
    # completed_at and the owner's change feed right.
    def save_model(self, request, obj, form, change):
        task_admin_save(task=obj, change=change)

    def delete_model(self, request, obj):
        task_admin_delete(tasks=Task.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        task_admin_delete(tasks=queryset)

    @admin.display(description="Owner", ordering="user__email")
    def owner(self, task: Task) -> str:
        return task.user.email

    @admin.action(description="Mark selected tasks complete", permissions=["change"])
    def mark_complete(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        self._set_completed(request, queryset, completed=True)

    @admin.action(description="Mark selected tasks incomplete", permissions=["change"])
    def mark_incomplete(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        self._set_completed(request, queryset, completed=False)

    def _set_completed(self, request: HttpRequest, queryset: QuerySet[Task], *, completed: bool) -> None:
        count = task_bulk_set_completed(tasks=queryset, completed=completed)
        state = "complete" if completed else "incomplete"
        self.message_user(request, f"Marked {count} task(s) {state}.", messages.SUCCESS)
