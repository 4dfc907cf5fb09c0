import unittest

from textkit import word_count, truncate, initials, count_vowels, is_palindrome, pad_left


class CoreTest(unittest.TestCase):
    def test_word_count__sentence(self):
        self.assertEqual(word_count("the quick brown fox"), 4)

    def test_word_count__none(self):
        self.assertEqual(word_count(None), 0)

    def test_truncate__long(self):
        self.assertEqual(truncate("abcdefghij", 8), "abcde...")

    def test_truncate__exact(self):
        self.assertEqual(truncate("abcdefgh", 8), "abcdefgh")

    def test_initials__three(self):
        self.assertEqual(initials("ada king lovelace"), "A.K.L.")

    def test_initials__missing(self):
        self.assertEqual(initials(None), "")

    def test_count_vowels__mixed(self):
        self.assertEqual(count_vowels("Education"), 5)

    def test_is_palindrome__yes(self):
        self.assertTrue(is_palindrome("A man, a plan, a canal: Panama"))

    def test_is_palindrome__no(self):
        self.assertFalse(is_palindrome("apprentice"))

    def test_pad_left__pads(self):
        self.assertEqual(pad_left("42", 5, "0"), "00042")

    def test_pad_left__exact(self):
        self.assertEqual(pad_left("12345", 5), "12345")


if __name__ == "__main__":
    unittest.main()
