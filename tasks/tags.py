"""What a tag is: the one normalisation the API, the filters and the admin share."""

import unicodedata

MAX_TAG_LENGTH = 40
MAX_TAGS_PER_TASK = 20
# As for titles (todoproject/schemas.py): C0/C1 controls and lone surrogates.
_FORBIDDEN_CATEGORIES = {"Cc", "Cs"}


def tag_normalize(raw: str) -> str:
    """The tag as stored: stripped and lower-cased, then checked.

    Checked after normalising, because lower-casing can lengthen a string
    ("İ".lower() is two code points) and stripping shortens it.
    """
    if not isinstance(raw, str):
        raise ValueError("a tag must be a string")
    tag = raw.strip().lower()
    if not 1 <= len(tag) <= MAX_TAG_LENGTH:
        raise ValueError(f"a tag must be 1-{MAX_TAG_LENGTH} characters after stripping and lower-casing")
    for char in tag:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise ValueError(f"control character U+{ord(char):04X} is not allowed in a tag")
    return tag


def tags_normalize(raw: list[str]) -> list[str]:
    """Each tag normalised, duplicates kept once in first-seen order, at most MAX_TAGS_PER_TASK."""
    if not isinstance(raw, list):
        raise ValueError("tags must be a list of strings")
    tags = list(dict.fromkeys(tag_normalize(tag) for tag in raw))
    if len(tags) > MAX_TAGS_PER_TASK:
        raise ValueError(f"at most {MAX_TAGS_PER_TASK} tags per task")
    return tags
