"""Descriptive statistics for small samples."""

from stats.describe import mean, median, clamp, moving_sum, histogram, value_range
