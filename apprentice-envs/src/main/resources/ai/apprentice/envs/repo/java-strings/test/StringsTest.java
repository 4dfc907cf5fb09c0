/** Tests of Strings. */
public final class StringsTest {
    static void capitalize__word() { TestRunner.eq("Hello", Strings.capitalize("hello")); }
    static void capitalize__null() { TestRunner.eq(null, Strings.capitalize(null)); }
    static void countChar__several() { TestRunner.eq(3, Strings.countChar("banana", 'a')); }
    static void countChar__first() { TestRunner.eq(2, Strings.countChar("aba", 'a')); }
    static void countChar__last() { TestRunner.eq(1, Strings.countChar("abc", 'c')); }
    static void join__three() { TestRunner.eq("ab-ab-ab", Strings.join("ab", 3, "-")); }
    static void isBlank__spaces() { TestRunner.eq(true, Strings.isBlank("   ")); }
    static void isBlank__word() { TestRunner.eq(false, Strings.isBlank(" x ")); }
    static void isBlank__null() { TestRunner.eq(true, Strings.isBlank(null)); }
    static void reverseWords__three() { TestRunner.eq("c b a", Strings.reverseWords("a b c")); }
    static void abbreviate__long() { TestRunner.eq("abcd...", Strings.abbreviate("abcdefghij", 7)); }
    static void abbreviate__exact() { TestRunner.eq("abcdefg", Strings.abbreviate("abcdefg", 7)); }
}
