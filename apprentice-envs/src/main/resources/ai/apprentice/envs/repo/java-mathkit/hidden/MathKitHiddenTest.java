/** More tests of MathKit, not shown to the agent. */
public final class MathKitHiddenTest {
    static void gcd__zero() { TestRunner.eq(5, MathKit.gcd(5, 0)); }
    static void gcd__coprime() { TestRunner.eq(1, MathKit.gcd(8, 15)); }
    static void isPrime__square() { TestRunner.eq(false, MathKit.isPrime(49)); }
    static void isPrime__large() { TestRunner.eq(true, MathKit.isPrime(97)); }
    static void isPrime__zero() { TestRunner.eq(false, MathKit.isPrime(0)); }
    static void sumRange__single() { TestRunner.eq(4L, MathKit.sumRange(4, 4)); }
    static void sumRange__negative() { TestRunner.eq(-3L, MathKit.sumRange(-2, -1)); }
    static void indexOf__first() { TestRunner.eq(0, MathKit.indexOf(new int[] {2, 4}, 2)); }
    static void indexOf__absent() { TestRunner.eq(-1, MathKit.indexOf(new int[] {2, 4}, 3)); }
    static void indexOf__null() { TestRunner.eq(-1, MathKit.indexOf(null, 1)); }
    static void digitSum__negative() { TestRunner.eq(9, MathKit.digitSum(-45)); }
    static void digitSum__zero() { TestRunner.eq(0, MathKit.digitSum(0)); }
}
