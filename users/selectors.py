from django.db import connection
from django.utils import timezone

from signin.credentials import Credential
from todoproject.rows import columns, fetch
from users.models import User, normalize_email

_USER_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)
# Written out, like the task reads (tasks/selectors.py): every write and /me
# asks it, and the queryset cost more to build and compile than to run.
_SELECT_USER = f"SELECT {columns(User, _USER_FIELDS)} FROM {User._meta.db_table}"


def user_get_active(*, user_id: int, credential: Credential) -> User | None:
    """The active user, if the credential of their token still stands (one query)."""
    join, params = credential.join_sql(now=timezone.now())
    rows = fetch(
        f"{_SELECT_USER}{join} WHERE users_user.id = %s AND users_user.is_active",
        [*params, user_id],
        model=User,
        fields=_USER_FIELDS,
    )
    return User.from_db(connection.alias, _USER_FIELDS, rows[0]) if rows else None


def user_get_active_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email), is_active=True).first()
