import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

/** Runs every static no-argument method of the named test classes; prints "ok" or "FAIL" per test. */
public final class TestRunner {
    public static void main(String[] args) throws Exception {
        int failed = 0;
        int run = 0;
        for (String name : args) {
            Method[] methods = Class.forName(name).getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::getName));
            for (Method m : methods) {
                if (!Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0 || m.isSynthetic()) continue;
                run++;
                try {
                    m.invoke(null);
                    System.out.println("ok " + name + "." + m.getName());
                } catch (InvocationTargetException e) {
                    failed++;
                    System.out.println("FAIL " + name + "." + m.getName() + ": " + e.getCause());
                }
            }
        }
        System.out.println(run + " tests, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    public static void eq(Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) throw new AssertionError("expected <" + expected + "> but was <" + actual + ">");
    }
}
