"""Log records that carry the request id, and a JSON-lines formatter."""

import logging
from contextvars import ContextVar
from datetime import datetime, timezone

import orjson

# The id of the request being handled, so every line it causes (an error's
# traceback too) can be joined to its request log line.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Fields the request log line adds through ``extra``.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()
