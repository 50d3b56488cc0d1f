from django.contrib import admin

from identities.models import ExternalIdentity

# Links are made by the identity's first token and never edited: the admin
# shows them, and deleting the user removes them.
_READ_ONLY = ("issuer", "subject", "user", "created_at")


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ("subject", "issuer", "user", "created_at")
    list_filter = ("issuer",)
    search_fields = ("subject", "user__email")
    list_select_related = ("user",)
    readonly_fields = _READ_ONLY

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
