from django.contrib.auth import password_validation
from django.db import IntegrityError, transaction

from users.models import User, normalize_email


class EmailTaken(Exception):
    pass


def user_register(*, email: str, password: str, is_staff: bool = False) -> User:
    """Create an active user; raises django's ValidationError for a weak password
    and EmailTaken when the email is in use (also when a concurrent request won).

    ``is_staff`` lets the user sign in to the admin (the createuser command's --staff).
    """
    email = normalize_email(email)
    password_validation.validate_password(password, User(email=email))
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, is_staff=is_staff)
    except IntegrityError as exc:
        raise EmailTaken from exc
