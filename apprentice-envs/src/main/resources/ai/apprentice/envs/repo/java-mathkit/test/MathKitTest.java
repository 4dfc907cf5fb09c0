/** Tests of MathKit. */
public final class MathKitTest {
    static void gcd__common() { TestRunner.eq(6, MathKit.gcd(12, 18)); }
    static void isPrime__seven() { TestRunner.eq(true, MathKit.isPrime(7)); }
    static void isPrime__nine() { TestRunner.eq(false, MathKit.isPrime(9)); }
    static void isPrime__four() { TestRunner.eq(false, MathKit.isPrime(4)); }
    static void isPrime__two() { TestRunner.eq(true, MathKit.isPrime(2)); }
    static void isPrime__one() { TestRunner.eq(false, MathKit.isPrime(1)); }
    static void sumRange__small() { TestRunner.eq(15L, MathKit.sumRange(1, 5)); }
    static void indexOf__found() { TestRunner.eq(3, MathKit.indexOf(new int[] {1, 3, 5, 7, 9}, 7)); }
    static void indexOf__last() { TestRunner.eq(4, MathKit.indexOf(new int[] {1, 3, 5, 7, 9}, 9)); }
    static void indexOf__missing() { TestRunner.eq(-1, MathKit.indexOf(null, 3)); }
    static void digitSum__number() { TestRunner.eq(6, MathKit.digitSum(123)); }
}
