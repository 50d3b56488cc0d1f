import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

EMAIL_MAX_LENGTH = 254


@cache
def timezone_names() -> frozenset[str]:
    """The tz database's zone names: ZoneInfo() alone would also open file paths."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError("Unknown timezone: an IANA name such as Europe/Berlin.")


def normalize_email(email: str) -> str:
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        # The login: only password accounts, among which the email is unique.
        return self.get(email=normalize_email(username or ""), signs_in_with_password=True)

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    # A password account's login; an external identity's contact address as
    # its provider gives it (possibly someone else's too, or none).
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH, null=True, blank=True)
    signs_in_with_password = models.BooleanField(
        default=True,
        help_text="Signs in with email and password. Off for users of an external identity "
        "provider, whose email is not a login and need not be unique.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # An IANA zone name (checked against zoneinfo by the API): what "today"
    # and "overdue" mean for this user.
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            # Stored lower-cased, so the unique index below is also unique
            # without regard to case, for every writer (API, admin, scripts).
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="users_user_email_lowercase"
            ),
            # Unique among the accounts it is the login of; two external
            # identities (or one and a password account) may share one.
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(signs_in_with_password=True),
                name="users_user_login_email_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(signs_in_with_password=False) | models.Q(email__isnull=False),
                name="users_user_password_account_has_email",
            ),
        ]

    def __str__(self) -> str:
        return self.email or f"user {self.pk}"

    def clean(self) -> None:
        super().clean()
        if self.email is None:
            return
        self.email = normalize_email(self.email)
        # Lower-casing can lengthen an address ("İ" is two code points
        # lower-cased): validated again as it will be stored.
        try:
            self._meta.get_field("email").run_validators(self.email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.error_list}) from exc
