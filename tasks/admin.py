from django.contrib import admin

from tasks.models import Task
from tasks.services import task_sync_completed_at


class TaskInline(admin.TabularInline):
    model = Task
    fields = ("title", "completed", "completed_at", "created_at", "updated_at")
    readonly_fields = ("completed_at", "created_at", "updated_at")
    extra = 0
    show_change_link = True


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "completed", "completed_at", "created_at", "updated_at")
    list_filter = ("completed", "created_at", "updated_at")
    list_select_related = ("user",)
    search_fields = ("title", "user__email")
    readonly_fields = ("completed_at", "created_at", "updated_at")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        task_sync_completed_at(obj)
        super().save_model(request, obj, form, change)
