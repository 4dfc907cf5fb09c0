"""Summaries of a list of numbers."""


def mean(values):
    """The arithmetic mean; None for no values."""
    if not values:  # @guard
        return None
    return sum(values) / len(values)


def median(values):
    """The middle value, or the mean of the two middle values."""
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    if n % 2 == 1:  # @mutable
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2  # @mutable


def clamp(x, low, high):
    """`x` kept within [low, high]."""
    if x < low:
        return low
    if x > high:
        return high
    return x


def moving_sum(values, window):
    """Sums of each run of `window` consecutive values."""
    sums = []
    for start in range(len(values) - window + 1):  # @mutable
        sums.append(sum(values[start:start + window]))
    return sums


def histogram(values, bins, low, high):
    """Counts of values in `bins` equal-width bins over [low, high); values outside are ignored."""
    counts = [0] * bins
    width = (high - low) / bins
    for v in values:
        if low <= v and v < high:  # @mutable
            counts[int((v - low) // width)] += 1
    return counts


def value_range(values):
    """Largest minus smallest value; 0 for a missing or empty list."""
    if values is None or len(values) == 0:  # @mutable
        return 0
    return max(values) - min(values)  # @mutable
