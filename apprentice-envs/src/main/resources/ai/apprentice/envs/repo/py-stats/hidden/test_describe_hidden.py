import unittest

from stats import mean, median, clamp, moving_sum, histogram, value_range


class DescribeHiddenTest(unittest.TestCase):
    def test_mean__one(self):
        self.assertEqual(mean([7]), 7)

    def test_mean__missing(self):
        self.assertIsNone(mean(None))

    def test_median__single(self):
        self.assertEqual(median([9]), 9)

    def test_median__even_unsorted(self):
        self.assertEqual(median([10, 2, 8, 4]), 6)

    def test_clamp__above(self):
        self.assertEqual(clamp(50, 0, 10), 10)

    def test_clamp__negative_range(self):
        self.assertEqual(clamp(-20, -10, -1), -10)

    def test_moving_sum__whole(self):
        self.assertEqual(moving_sum([1, 2, 3], 3), [6])

    def test_moving_sum__ones(self):
        self.assertEqual(moving_sum([4, 5], 1), [4, 5])

    def test_histogram__edges(self):
        self.assertEqual(histogram([0, 2.5, 4.99, 5, -1], 2, 0, 5), [1, 2])

    def test_histogram__outside(self):
        self.assertEqual(histogram([-3, 12], 3, 0, 9), [0, 0, 0])

    def test_value_range__single(self):
        self.assertEqual(value_range([5]), 0)

    def test_value_range__negative(self):
        self.assertEqual(value_range([-4, -9]), 5)


if __name__ == "__main__":
    unittest.main()
