package ai.apprentice.envs.taubench;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads the Python literals tau-bench's task files are written in: lists, dicts, strings (single, double
 * or triple quoted, adjacent ones joined), numbers, True/False/None, and calls with keyword arguments such
 * as {@code Task(user_id="...", actions=[Action(name="...", kwargs={...})])}, which become JSON objects of
 * their keyword arguments. Only what such data files use; no code is evaluated.
 */
final class PythonLiterals {
    private final String s;
    private int pos;

    private PythonLiterals(String s) {
        this.s = s;
    }

    /** The list assigned at top level in a module, e.g. {@code TASKS = [...]}, as a JSON array. */
    static JsonNode firstList(String module) {
        int eq = module.indexOf("= [");
        if (eq < 0) throw new IllegalArgumentException("no top-level list assignment (NAME = [...]) found");
        var p = new PythonLiterals(module);
        p.pos = eq + 2;
        return p.value();
    }

    private JsonNode value() {
        skip();
        char c = peek();
        if (c == '[' || c == '(') return list(c == '[' ? ']' : ')');
        if (c == '{') return dict();
        if (c == '"' || c == '\'') return Json.MAPPER.getNodeFactory().textNode(strings());
        if (c == '-' || Character.isDigit(c)) return number();
        String word = identifier();
        switch (word) {
            case "True" -> { return Json.MAPPER.getNodeFactory().booleanNode(true); }
            case "False" -> { return Json.MAPPER.getNodeFactory().booleanNode(false); }
            case "None" -> { return Json.MAPPER.getNodeFactory().nullNode(); }
            default -> { }
        }
        skip();
        if (peek() != '(') throw error("expected a value, found '" + word + "'");
        pos++;
        ObjectNode call = Json.object();
        while (true) {
            skip();
            if (peek() == ')') {
                pos++;
                return call;
            }
            String key = identifier();
            skip();
            expect('=');
            call.set(key, value());
            skip();
            if (peek() == ',') pos++;
        }
    }

    private JsonNode list(char close) {
        pos++;
        var arr = Json.MAPPER.createArrayNode();
        while (true) {
            skip();
            if (peek() == close) {
                pos++;
                return arr;
            }
            arr.add(value());
            skip();
            if (peek() == ',') pos++;
        }
    }

    private JsonNode dict() {
        pos++;
        var obj = Json.object();
        while (true) {
            skip();
            if (peek() == '}') {
                pos++;
                return obj;
            }
            var key = value();
            skip();
            expect(':');
            obj.set(key.asText(), value());
            skip();
            if (peek() == ',') pos++;
        }
    }

    private JsonNode number() {
        int start = pos;
        if (peek() == '-') pos++;
        while (pos < s.length() && "0123456789.eE+-_".indexOf(s.charAt(pos)) >= 0) {
            if ((s.charAt(pos) == '+' || s.charAt(pos) == '-') && !(s.charAt(pos - 1) == 'e' || s.charAt(pos - 1) == 'E')) break;
            pos++;
        }
        String text = s.substring(start, pos).replace("_", "");
        // Keep Python's int/float distinction, which the database hash depends on.
        return text.contains(".") || text.contains("e") || text.contains("E")
                ? Json.MAPPER.getNodeFactory().numberNode(Double.parseDouble(text))
                : integer(new java.math.BigInteger(text));
    }

    /** As JSON parsing would give it: an int node when it fits, else long, else big. */
    private static JsonNode integer(java.math.BigInteger v) {
        if (v.bitLength() < 32) return Json.MAPPER.getNodeFactory().numberNode(v.intValue());
        if (v.bitLength() < 64) return Json.MAPPER.getNodeFactory().numberNode(v.longValue());
        return Json.MAPPER.getNodeFactory().numberNode(v);
    }

    /** One or more adjacent string literals, joined as Python does. */
    private String strings() {
        var sb = new StringBuilder();
        while (true) {
            skip();
            if (pos >= s.length() || (peek() != '"' && peek() != '\'')) return sb.toString();
            sb.append(string());
        }
    }

    private String string() {
        char q = peek();
        boolean triple = s.startsWith(String.valueOf(q).repeat(3), pos);
        pos += triple ? 3 : 1;
        var sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos);
            if (c == '\\') {
                char n = s.charAt(pos + 1);
                pos += 2;
                switch (n) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case '\\', '\'', '"' -> sb.append(n);
                    case '\n' -> { } // line continuation
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    case 'x' -> {
                        sb.append((char) Integer.parseInt(s.substring(pos, pos + 2), 16));
                        pos += 2;
                    }
                    default -> sb.append('\\').append(n);
                }
                continue;
            }
            if (triple ? s.startsWith(String.valueOf(q).repeat(3), pos) : c == q) {
                pos += triple ? 3 : 1;
                return sb.toString();
            }
            sb.append(c);
            pos++;
        }
    }

    private String identifier() {
        skip();
        int start = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_' || s.charAt(pos) == '.')) pos++;
        if (start == pos) throw error("unexpected '" + peek() + "'");
        return s.substring(start, pos);
    }

    private void skip() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isWhitespace(c)) pos++;
            else if (c == '#') while (pos < s.length() && s.charAt(pos) != '\n') pos++;
            else return;
        }
    }

    private char peek() {
        if (pos >= s.length()) throw error("unexpected end of file");
        return s.charAt(pos);
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "'");
        pos++;
    }

    private IllegalArgumentException error(String what) {
        int line = 1;
        for (int i = 0; i < Math.min(pos, s.length()); i++) if (s.charAt(i) == '\n') line++;
        return new IllegalArgumentException("line " + line + ": " + what);
    }
}
