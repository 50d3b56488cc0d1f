from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from signin.models import Session
from signin.services import sessions_end_all
from users.models import User


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """Staff setting a user's password, or turning password sign-in off, also
    end every session of the user, as the user's own change does: it is
    what staff do for an account someone else got into. Personal access
    tokens stay, as they do then (they are revoked one by one)."""

    def save(self, commit: bool = True) -> User:
        with transaction.atomic():
            user = super().save(commit)
            if commit:
                sessions_end_all(user_id=user.pk, because=Session.EndedBecause.PASSWORD)
        return user


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ("email", "signs_in_with_password", "task_count", "is_active", "is_staff", "created_at", "last_login")
    list_filter = ("signs_in_with_password", "is_active", "is_staff", "is_superuser", "created_at")
    search_fields = ("email",)
    ordering = ("email",)
    readonly_fields = ("created_at", "last_login", "tasks_link", "identities")
    fieldsets = (
        (None, {"fields": ("email", "signs_in_with_password", "password", "timezone")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Tasks", {"fields": ("tasks_link",)}),
        ("External identities", {"fields": ("identities",)}),
        ("Dates", {"fields": ("created_at", "last_login")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(task_count=Count("tasks"))

    @admin.display(description="Tasks", ordering="task_count")
    def task_count(self, user: User) -> int:
        return user.task_count

    # A link to the task list rather than the tasks inline: an inline put
    # three form fields per task on this page, so a user with a few hundred
    # tasks could not be saved (DATA_UPLOAD_MAX_NUMBER_FIELDS) and one with
    # 100,000 could not be opened; the task list pages, searches, and
    # completes tasks as the API does.
    @admin.display(description="Tasks")
    def tasks_link(self, user: User) -> str:
        url = reverse("admin:tasks_task_changelist")
        return format_html('<a href="{}?user__id__exact={}">{} task(s)</a>', url, user.pk, user.task_count)

    # Shown, not edited: the link is made by the identity's first token.
    # (An inline would ask every save of this form for a formset.)
    @admin.display(description="Identity providers")
    def identities(self, user: User) -> str:
        rows = user.external_identities.order_by("created_at").values_list("subject", "issuer")
        return format_html_join(", ", "{} at {}", rows) or "none"
