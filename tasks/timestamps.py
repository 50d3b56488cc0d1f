"""Datetimes as whole microseconds since the epoch: exact (no float rounding),
compact in URLs and headers, and the precision both databases store."""

from datetime import datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def to_micros(value: datetime) -> int:
    return (value - _EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    """Raises OverflowError for a number no datetime can hold."""
    return _EPOCH + micros * _MICROSECOND
