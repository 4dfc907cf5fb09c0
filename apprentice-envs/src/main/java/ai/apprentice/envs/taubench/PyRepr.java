package ai.apprentice.envs.taubench;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;

/**
 * tau-bench's database hash, byte for byte: sha256 of Python's {@code str()} of the data turned into nested
 * tuples (dicts as key-sorted pairs, lists as tuples), following the recipe in
 * {@code shared/benchmarks/taubench/README.md}. Ints and floats stay apart, as they do in Python.
 */
public final class PyRepr {
    private PyRepr() {}

    public static String hash(JsonNode data) {
        var sb = new StringBuilder(1 << 20);
        write(data, sb);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String repr(JsonNode node) {
        var sb = new StringBuilder();
        write(node, sb);
        return sb.toString();
    }

    static void write(JsonNode n, StringBuilder sb) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            sb.append("None");
        } else if (n.isObject()) {
            var keys = new ArrayList<String>();
            n.fieldNames().forEachRemaining(keys::add);
            keys.sort(PyRepr::compareCodePoints);
            sb.append('(');
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) sb.append(", ");
                sb.append('(');
                string(keys.get(i), sb);
                sb.append(", ");
                write(n.get(keys.get(i)), sb);
                sb.append(')');
            }
            if (keys.size() == 1) sb.append(',');
            sb.append(')');
        } else if (n.isArray()) {
            sb.append('(');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) sb.append(", ");
                write(n.get(i), sb);
            }
            if (n.size() == 1) sb.append(',');
            sb.append(')');
        } else if (n.isTextual()) {
            string(n.asText(), sb);
        } else if (n.isBoolean()) {
            sb.append(n.asBoolean() ? "True" : "False");
        } else if (n.isIntegralNumber()) {
            sb.append(n.bigIntegerValue());
        } else if (n.isNumber()) {
            sb.append(floatRepr(n.doubleValue()));
        } else {
            throw new IllegalArgumentException("cannot hash a " + n.getNodeType());
        }
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Python's repr of a str. */
    static void string(String s, StringBuilder sb) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') sb.append("\\\\");
            else if (c == quote) sb.append('\\').append(c);
            else if (c == '\t') sb.append("\\t");
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        sb.append(quote);
    }

    /** Python's repr of a float: the shortest round-trip digits, fixed between 1e-4 and 1e16, else exponent form. */
    static String floatRepr(double x) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (x == 0) return (1 / x < 0) ? "-0.0" : "0.0";
        // Double.toString gives the shortest round-trip digits (JDK 19+); BigDecimal splits them.
        var bd = new BigDecimal(Double.toString(Math.abs(x))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int decpt = digits.length() - bd.scale(); // value = 0.DIGITS x 10^decpt
        var sb = new StringBuilder(x < 0 ? "-" : "");
        if (decpt > 16 || decpt < -3) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            if (Math.abs(exp) < 10) sb.append('0');
            sb.append(Math.abs(exp));
        } else if (decpt <= 0) {
            sb.append("0.").append("0".repeat(-decpt)).append(digits);
        } else if (decpt < digits.length()) {
            sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        } else {
            sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
        }
        return sb.toString();
    }
}
