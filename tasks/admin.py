from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tasks.models import Task
from tasks.services import task_admin_delete, task_admin_save, task_bulk_set_completed


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "completed", "completed_at", "created_at", "updated_at")
    list_filter = ("completed", "created_at", "updated_at")
    # The owner's email is on every row: one JOIN instead of a query per row.
    list_select_related = ("user",)
    list_per_page = 100
    search_fields = ("title", "user__email")
    search_help_text = "Search by title or owner email"
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
