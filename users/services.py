from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction

from users.models import User, normalize_email


class EmailTaken(Exception):
    pass


def user_register(*, email: str, password: str) -> User:
    """Create an active user; raises django's ValidationError for a weak password
    and EmailTaken when the email is in use (also when a concurrent request won)."""
    email = normalize_email(email)
    password_validation.validate_password(password, User(email=email))
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password)
    except IntegrityError as exc:
        raise EmailTaken from exc


def user_set_timezone(*, user: User, timezone: str) -> User:
    """Set the user's timezone (an IANA name, checked by the caller): one UPDATE of that column only."""
    User.objects.filter(pk=user.pk).update(timezone=timezone)
    user.timezone = timezone
    return user


SUPPORT_GROUP = "Support"
# Support staff look after tasks fully but only look at accounts: changing a
# user in the admin includes its permissions, which would let them promote
# themselves. Account changes stay with superusers.
SUPPORT_PERMISSIONS = {
    "tasks": ("add_task", "change_task", "delete_task", "view_task"),
    "users": ("view_user",),
    "identities": ("view_externalidentity",),
    # Seen, ended and revoked (the admin's actions); never created or edited.
    "signin": ("view_session", "change_session", "view_personalaccesstoken", "change_personalaccesstoken"),
}


def user_grant_support(*, user: User) -> None:
    """Let the user into the admin as support staff (the Support group's permissions)."""
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    for app_label, codenames in SUPPORT_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(group)
