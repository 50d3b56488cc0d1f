from django.conf import settings
from django.db import models
from django.utils import timezone


class ExternalIdentity(models.Model):
    """A user of a front end's identity provider, as that provider names them:
    its issuer and the token's ``sub``. The link to the local user never
    changes once made (identities/services.py caches it on that promise)."""

    issuer = models.CharField(max_length=255, editable=False)
    subject = models.CharField(max_length=255, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "external identities"
        constraints = [
            # Of two concurrent first requests of one identity, one insert
            # wins; the other finds its row (services.identity_user_id).
            models.UniqueConstraint(fields=["issuer", "subject"], name="identities_issuer_subject_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
