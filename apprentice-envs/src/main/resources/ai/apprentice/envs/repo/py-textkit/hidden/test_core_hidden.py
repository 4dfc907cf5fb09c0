import unittest

from textkit import word_count, truncate, initials, count_vowels, is_palindrome, pad_left


class CoreHiddenTest(unittest.TestCase):
    def test_word_count__spaces(self):
        self.assertEqual(word_count("  two   words "), 2)

    def test_word_count__missing(self):
        self.assertEqual(word_count(None), 0)

    def test_truncate__short(self):
        self.assertEqual(truncate("abc", 10), "abc")

    def test_truncate__one_over(self):
        self.assertEqual(truncate("abcdefghi", 8), "abcde...")

    def test_truncate__at_limit(self):
        self.assertEqual(truncate("abcdefghij", 10), "abcdefghij")

    def test_initials__one(self):
        self.assertEqual(initials("grace"), "G.")

    def test_initials__empty(self):
        self.assertEqual(initials(""), "")

    def test_initials__none(self):
        self.assertEqual(initials(None), "")

    def test_count_vowels__none(self):
        self.assertEqual(count_vowels("rhythm"), 0)

    def test_count_vowels__upper(self):
        self.assertEqual(count_vowels("AEIOU"), 5)

    def test_is_palindrome__digits(self):
        self.assertTrue(is_palindrome("12 21"))

    def test_is_palindrome__near(self):
        self.assertFalse(is_palindrome("abca"))

    def test_pad_left__longer(self):
        self.assertEqual(pad_left("123456", 3), "123456")

    def test_pad_left__spaces(self):
        self.assertEqual(pad_left("x", 3), "  x")


if __name__ == "__main__":
    unittest.main()
