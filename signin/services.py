"""Starting, renewing and ending sessions; creating, revoking and touching
personal access tokens. Each rule is one conditional statement, so two
requests racing over one token cannot both win."""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from signin.credentials import new_personal_token, new_refresh_token, secret_hash
from signin.models import PersonalAccessToken, RefreshToken, Session
from users.models import User
from users.tokens import access_token_issue


@dataclass(frozen=True)
class SignIn:
    """What a sign-in answers (the contract's register/token shape)."""

    user: User
    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str = "bearer"


class RefreshRefused(Exception):
    """Unknown, expired or spent refresh token, or its session has ended."""


class WrongPassword(Exception):
    pass


def session_start(*, user: User) -> SignIn:
    with transaction.atomic():
        session = Session.objects.create(user=user)
        refresh_token = _refresh_token_add(session_id=session.pk)
    return _signed_in(user=user, session_id=session.pk, refresh_token=refresh_token)


def _signed_in(*, user: User, session_id: int, refresh_token: str) -> SignIn:
    access_token, expires_in = access_token_issue(user=user, session_id=session_id)
    return SignIn(user=user, access_token=access_token, expires_in=expires_in, refresh_token=refresh_token)


def _refresh_token_add(*, session_id: int) -> str:
    token = new_refresh_token()
    now = timezone.now()
    RefreshToken.objects.create(
        session_id=session_id,
        token_hash=secret_hash(token),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.REFRESH_TOKEN_TTL),
    )
    return token


_SESSION = Session._meta.db_table
# Spends the token only if it is unspent, unexpired, and its session open
# and its user active: of concurrent refreshes with one token, the row lock
# lets exactly one statement find it unspent (the others re-check the row
# after it commits and find it spent).
_SPEND_REFRESH_TOKEN = (
    f"UPDATE {RefreshToken._meta.db_table} SET spent_at = %s"
    " WHERE token_hash = %s AND spent_at IS NULL AND expires_at > %s AND session_id IN ("
    f"SELECT {_SESSION}.id FROM {_SESSION} INNER JOIN users_user ON users_user.id = {_SESSION}.user_id"
    f" WHERE {_SESSION}.ended_at IS NULL AND users_user.is_active)"
    " RETURNING session_id"
)


def session_refresh(*, refresh_token: str) -> SignIn:
    """A new access token and refresh token of the session, the given one
    spent. Raises RefreshRefused; a spent token presented again ends its
    session first (OAuth 2.0 Security BCP §4.14.2: it was stolen, or its
    client is confused, and which of the two holders is the thief is unknown)."""
    token_hash = secret_hash(refresh_token)
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_SPEND_REFRESH_TOKEN, [stamp, token_hash, stamp])
            spent = cursor.fetchone()
        if spent is not None:
            session_id = spent[0]
            new_token = _refresh_token_add(session_id=session_id)
            user = User.objects.get(signin_sessions=session_id)
            return _signed_in(user=user, session_id=session_id, refresh_token=new_token)
    replayed = (
        RefreshToken.objects.filter(token_hash=token_hash, spent_at__isnull=False)
        .values_list("session_id", flat=True)
        .first()
    )
    if replayed is not None:
        session_end(session_id=replayed, because=Session.EndedBecause.REPLAY)
    raise RefreshRefused


def sessions_end(*, sessions: QuerySet[Session], because: Session.EndedBecause) -> int:
    """End those of the sessions that are still open; how many."""
    return sessions.filter(ended_at__isnull=True).update(ended_at=timezone.now(), ended_because=because)


def session_end(*, session_id: int, because: Session.EndedBecause) -> bool:
    """End the session if it is open; whether this call ended it."""
    return sessions_end(sessions=Session.objects.filter(pk=session_id), because=because) == 1


def sessions_end_all(*, user_id: int, because: Session.EndedBecause) -> int:
    """End every open session of the user (not their personal access tokens); how many."""
    return sessions_end(sessions=Session.objects.filter(user_id=user_id), because=because)


def sessions_forget() -> tuple[int, int]:
    """Delete the refresh tokens that have expired, and the sessions left
    with none: such a session can never issue a token again, and its last
    access token expired long before. How many tokens and sessions.

    Only sessions older than a refresh token lives are forgotten, so one
    being started (its first token not yet written) is never taken for one
    left without tokens. A spent token presented again after it expired is
    refused without ending its session (RefreshToken keeps them that long).
    """
    now = timezone.now()
    with transaction.atomic():
        _, tokens = RefreshToken.objects.filter(expires_at__lte=now).delete()
        _, sessions = (
            Session.objects.filter(created_at__lte=now - timedelta(seconds=settings.REFRESH_TOKEN_TTL))
            .filter(~Exists(RefreshToken.objects.filter(session=OuterRef("pk"))))
            .delete()
        )
    return tokens.get(RefreshToken._meta.label, 0), sessions.get(Session._meta.label, 0)


def password_change(*, user: User, current_password: str, new_password: str) -> SignIn:
    """Set a new password, end every session of the user and start a fresh one.
    Raises WrongPassword, or django's ValidationError for a weak new password."""
    if not user.check_password(current_password):
        raise WrongPassword
    password_validation.validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        sessions_end_all(user_id=user.pk, because=Session.EndedBecause.PASSWORD)
        return session_start(user=user)


def personal_token_create(
    *, user_id: int, name: str, expires_in_days: int | None
) -> tuple[PersonalAccessToken, str]:
    """A new personal access token and its secret, which is stored only as a hash."""
    token = new_personal_token(user_id=user_id)
    now = timezone.now()
    personal_token = PersonalAccessToken.objects.create(
        user_id=user_id,
        name=name,
        token_hash=secret_hash(token),
        created_at=now,
        expires_at=None if expires_in_days is None else now + timedelta(days=expires_in_days),
    )
    return personal_token, token


def personal_tokens_revoke(*, tokens: QuerySet[PersonalAccessToken]) -> int:
    """Revoke those of the tokens not revoked yet; how many."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def personal_token_revoke(*, user_id: int, token_id: int) -> bool:
    """Revoke the user's token; False when it is not one of theirs (or already revoked)."""
    return personal_tokens_revoke(tokens=PersonalAccessToken.objects.filter(pk=token_id, user_id=user_id)) == 1


# last_used_at is kept to this many seconds: a script calling many times a
# second must not write a row per request.
LAST_USED_RESOLUTION = 60
# token hash → when this process last stored its use (monotonic seconds).
# Bounded, least recently stored out first; ~150 bytes an entry.
_TOUCHED_LIMIT = 10_000
_touched: OrderedDict[str, float] = OrderedDict()
_touched_lock = threading.Lock()


def personal_token_touch(*, token_hash: str) -> None:
    """Record that the token is being used: at most one UPDATE a minute per
    token in each process, and at most one stored change a minute overall."""
    moment = time.monotonic()
    last = _touched.get(token_hash)
    if last is not None and moment - last < LAST_USED_RESOLUTION:
        return
    with _touched_lock:
        _touched[token_hash] = moment
        _touched.move_to_end(token_hash)
        while len(_touched) > _TOUCHED_LIMIT:
            _touched.popitem(last=False)
    now = timezone.now()
    PersonalAccessToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - timedelta(seconds=LAST_USED_RESOLUTION)),
        token_hash=token_hash,
        revoked_at__isnull=True,
    ).update(last_used_at=now)
