"""Local users for external identities, made on their first valid token."""

import threading
from collections import OrderedDict

from django.db import IntegrityError, transaction

from identities.models import ExternalIdentity
from users.models import User

# (issuer, subject) → (local user id, email last stored). The link never
# changes once made, so a known identity costs no query here: a read's own
# query still checks that the user is active, a write still loads the user.
# Bounded, the longest unrefreshed link out first; ~200 bytes an entry.
_KNOWN_LIMIT = 10_000
_known: OrderedDict[tuple[str, str], tuple[int, str | None]] = OrderedDict()
_known_lock = threading.Lock()


def identity_user_id(*, issuer: str, subject: str, email: str | None) -> int:
    """The local user id of the identity, creating the user on its first token.

    The email is the provider's, kept up to date; it never links the identity
    to an existing account, so an identity with a password user's email is a
    user of its own.
    """
    key = (issuer, subject)
    known = _known.get(key)
    if known is not None and known[1] == email:
        return known[0]
    user_id = _stored_user_id(issuer=issuer, subject=subject, email=email)
    with _known_lock:
        _known[key] = (user_id, email)
        _known.move_to_end(key)
        while len(_known) > _KNOWN_LIMIT:
            _known.popitem(last=False)
    return user_id


def identity_forget(*, issuer: str, subject: str) -> None:
    """Drop the cached link, so the next token looks it up again (its user
    was found gone or inactive: deleted users' identities start afresh)."""
    with _known_lock:
        _known.pop((issuer, subject), None)


def _stored_user_id(*, issuer: str, subject: str, email: str | None) -> int:
    stored = _stored(issuer=issuer, subject=subject)
    if stored is None:
        try:
            with transaction.atomic():
                user = User(email=email, signs_in_with_password=False)
                user.set_unusable_password()
                user.save()
                ExternalIdentity.objects.create(issuer=issuer, subject=subject, user=user)
        except IntegrityError:
            # A concurrent first request of the same identity won the
            # unique (issuer, subject) index; its user is the one.
            stored = _stored(issuer=issuer, subject=subject)
            if stored is None:
                raise
        else:
            stored = (user.pk, email)
    user_id, stored_email = stored
    if stored_email != email:
        User.objects.filter(pk=user_id).update(email=email)
    return user_id


def _stored(*, issuer: str, subject: str) -> tuple[int, str | None] | None:
    return (
        ExternalIdentity.objects.filter(issuer=issuer, subject=subject)
        .values_list("user_id", "user__email")
        .first()
    )
