/** Integer arithmetic helpers. */
public final class MathKit {
    private MathKit() {}

    /** The greatest common divisor of two non-negative numbers. */
    public static int gcd(int a, int b) {
        while (b != 0) { // @mutable
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Whether {@code n} is a prime number. */
    public static boolean isPrime(int n) {
        if (n < 2) return false; // @mutable
        for (int d = 2; d * d <= n; d++) { // @mutable
            if (n % d == 0) return false;
        }
        return true;
    }

    /** The sum of the integers from {@code from} to {@code to}, both included. */
    public static long sumRange(int from, int to) {
        long sum = 0;
        for (int i = from; i <= to; i++) sum = sum + i; // @mutable
        return sum;
    }

    /** The index of {@code key} in the sorted array, or -1. */
    public static int indexOf(int[] sorted, int key) {
        if (sorted == null) return -1; // @guard
        int lo = 0;
        int hi = sorted.length - 1; // @mutable
        while (lo <= hi) { // @mutable
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] == key) return mid;
            if (sorted[mid] < key) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    /** The sum of the decimal digits of {@code n}, sign ignored. */
    public static int digitSum(int n) {
        n = Math.abs(n);
        int sum = 0;
        while (n > 0) {
            sum += n % 10; // @mutable
            n /= 10;
        }
        return sum;
    }
}
