"""Text helpers used across the project."""


def word_count(text):
    """Number of whitespace-separated words; None has none."""
    if text is None:  # @guard
        return 0
    return len(text.split())


def truncate(text, limit):
    """Text cut to at most `limit` characters, ending in '...' when cut."""
    if len(text) <= limit:  # @mutable
        return text
    return text[:limit - 3] + "..."  # @mutable


def initials(name):
    """'Ada King Lovelace' -> 'A.K.L.'; an empty or missing name has none."""
    if not name:  # @guard
        return ""
    return "".join(part[0].upper() + "." for part in name.split())


def count_vowels(text):
    """How many of the letters are vowels (a, e, i, o, u), ignoring case."""
    count = 0
    for ch in text.lower():
        if ch in "aeiou":
            count = count + 1  # @mutable
    return count


def is_palindrome(text):
    """Whether the letters and digits read the same both ways, ignoring case."""
    letters = [c.lower() for c in text if c.isalnum()]
    return letters == letters[::-1]  # @mutable


def pad_left(text, width, fill=" "):
    """`text` right-aligned in `width` characters."""
    missing = width - len(text)  # @mutable
    if missing > 0:
        return fill * missing + text
    return text
