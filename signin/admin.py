from django.contrib import admin, messages

from signin.models import PersonalAccessToken, Session
from signin.services import personal_tokens_revoke, sessions_end


# Rows are made and changed by the API alone: the admin shows them and ends
# or revokes them (the secrets were never stored, only their hashes).
class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(Session)
class SessionAdmin(_ReadOnly):
    list_display = ("id", "user", "created_at", "ended_at", "ended_because")
    list_filter = ("ended_because", "created_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    actions = ["end_sessions"]

    @admin.action(description="End selected sessions", permissions=["change"])
    def end_sessions(self, request, queryset):
        ended = sessions_end(sessions=queryset, because=Session.EndedBecause.SUPPORT)
        self.message_user(request, f"Ended {ended} session(s).", messages.SUCCESS)


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(_ReadOnly):
    list_display = ("name", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name", "user__email")
    list_select_related = ("user",)
    exclude = ("token_hash",)
    actions = ["revoke_tokens"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "token_hash"]

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        revoked = personal_tokens_revoke(tokens=queryset)
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
