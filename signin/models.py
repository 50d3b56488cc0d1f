"""Sessions and personal access tokens: what a bearer token needs besides its
signature, checked in the database on every request (signin/credentials.py).

Secrets are stored only as their SHA-256 (credentials.secret_hash): a
database dump lets nobody sign in.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Session(models.Model):
    """One sign-in (register, token, password change): its access tokens name
    it (the ``sid`` claim) and stop working the moment it ends."""

    class EndedBecause(models.TextChoices):
        LOGOUT = "logout", "signed out"
        REPLAY = "replay", "a spent refresh token was presented again"
        PASSWORD = "password", "the password was changed"
        SUPPORT = "support", "ended by staff"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signin_sessions", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_because = models.CharField(max_length=16, choices=EndedBecause.choices, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True, ended_because="")
                | models.Q(ended_at__isnull=False) & ~models.Q(ended_because=""),
                name="signin_session_ended_with_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of {self.user}"


class RefreshToken(models.Model):
    """One refresh token of a session. Spent ones are kept (until they
    expire) so that presenting one again is recognised as a replay."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="refresh_tokens", editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(editable=False)
    spent_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"refresh token {self.pk} of session {self.session_id}"


class PersonalAccessToken(models.Model):
    """A long-lived bearer token for a script: not a session, revoked one by one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_access_tokens", editable=False
    )
    name = models.CharField(max_length=100, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept to the minute (signin/services.py personal_token_touch), not per request.
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="signin_pat_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"
