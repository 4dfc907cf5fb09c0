/** More tests of Strings, not shown to the agent. */
public final class StringsHiddenTest {
    static void capitalize__empty() { TestRunner.eq("", Strings.capitalize("")); }
    static void capitalize__missing() { TestRunner.eq(null, Strings.capitalize(null)); }
    static void capitalize__upper() { TestRunner.eq("ABC", Strings.capitalize("ABC")); }
    static void countChar__none() { TestRunner.eq(0, Strings.countChar("xyz", 'a')); }
    static void countChar__start() { TestRunner.eq(2, Strings.countChar("aab", 'a')); }
    static void join__one() { TestRunner.eq("x", Strings.join("x", 1, ", ")); }
    static void join__zero() { TestRunner.eq("", Strings.join("x", 0, ", ")); }
    static void isBlank__empty() { TestRunner.eq(true, Strings.isBlank("")); }
    static void isBlank__missing() { TestRunner.eq(true, Strings.isBlank(null)); }
    static void reverseWords__spaces() { TestRunner.eq("world hello", Strings.reverseWords("  hello   world ")); }
    static void reverseWords__one() { TestRunner.eq("solo", Strings.reverseWords("solo")); }
    static void abbreviate__short() { TestRunner.eq("ab", Strings.abbreviate("ab", 5)); }
    static void abbreviate__oneOver() { TestRunner.eq("abcde...", Strings.abbreviate("abcdefghi", 8)); }
}
