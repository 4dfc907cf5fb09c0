import unittest

from stats import mean, median, clamp, moving_sum, histogram, value_range


class DescribeTest(unittest.TestCase):
    def test_mean__simple(self):
        self.assertEqual(mean([1, 2, 3, 6]), 3)

    def test_mean__empty(self):
        self.assertIsNone(mean([]))

    def test_median__odd(self):
        self.assertEqual(median([5, 1, 3]), 3)

    def test_median__even(self):
        self.assertEqual(median([4, 1, 3, 2]), 2.5)

    def test_clamp__below(self):
        self.assertEqual(clamp(-5, 0, 10), 0)

    def test_clamp__at_low(self):
        self.assertEqual(clamp(0, 0, 10), 0)

    def test_clamp__inside(self):
        self.assertEqual(clamp(4, 0, 10), 4)

    def test_moving_sum__pairs(self):
        self.assertEqual(moving_sum([1, 2, 3, 4], 2), [3, 5, 7])

    def test_histogram__two_bins(self):
        self.assertEqual(histogram([0, 1, 5, 9, 10], 2, 0, 10), [2, 2])

    def test_value_range__simple(self):
        self.assertEqual(value_range([3, 9, 4]), 6)

    def test_value_range__empty(self):
        self.assertEqual(value_range([]), 0)

    def test_value_range__missing(self):
        self.assertEqual(value_range(None), 0)


if __name__ == "__main__":
    unittest.main()
