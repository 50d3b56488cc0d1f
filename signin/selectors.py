from signin.models import PersonalAccessToken


def personal_tokens_of(*, user_id: int) -> list[PersonalAccessToken]:
    """The user's tokens that are not revoked, newest first (expired ones too, until revoked)."""
    return list(PersonalAccessToken.objects.filter(user_id=user_id, revoked_at__isnull=True).order_by("-created_at", "-id"))
