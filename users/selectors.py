from django.utils import timezone

from signin.credentials import Credential
from users.models import User, normalize_email


def user_get_active(*, user_id: int, credential: Credential) -> User | None:
    """The active user, if the credential of their token still stands (one query)."""
    return User.objects.filter(credential.user_filter(now=timezone.now()), pk=user_id, is_active=True).first()


def user_get_active_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email), is_active=True).first()
