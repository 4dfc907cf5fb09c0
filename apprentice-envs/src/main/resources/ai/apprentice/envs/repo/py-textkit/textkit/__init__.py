"""Small text utilities."""

from textkit.core import word_count, truncate, initials, count_vowels, is_palindrome, pad_left
