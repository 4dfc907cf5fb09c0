package ai.apprentice.envs.taubench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NumericNode;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Python's number semantics on JSON numbers, as the reference's tools compute: int stays int, anything with
 * a float becomes float, {@code round(x, 2)} rounds the exact binary value half-even (and leaves ints alone).
 */
final class Py {
    static final NumericNode ZERO = LongNode.valueOf(0);

    private Py() {}

    static NumericNode num(JsonNode n) {
        if (n == null || !n.isNumber()) throw new IllegalArgumentException("expected a number, got " + n);
        return (NumericNode) n;
    }

    static NumericNode add(JsonNode a, JsonNode b) {
        if (num(a).isIntegralNumber() && num(b).isIntegralNumber()) return LongNode.valueOf(a.longValue() + b.longValue());
        return DoubleNode.valueOf(a.doubleValue() + b.doubleValue());
    }

    static NumericNode sub(JsonNode a, JsonNode b) {
        if (num(a).isIntegralNumber() && num(b).isIntegralNumber()) return LongNode.valueOf(a.longValue() - b.longValue());
        return DoubleNode.valueOf(a.doubleValue() - b.doubleValue());
    }

    static NumericNode mul(JsonNode a, long n) {
        if (num(a).isIntegralNumber()) return LongNode.valueOf(a.longValue() * n);
        return DoubleNode.valueOf(a.doubleValue() * n);
    }

    static NumericNode neg(JsonNode a) {
        return num(a).isIntegralNumber() ? LongNode.valueOf(-a.longValue()) : DoubleNode.valueOf(-a.doubleValue());
    }

    static NumericNode abs(JsonNode a) {
        return num(a).isIntegralNumber() ? LongNode.valueOf(Math.abs(a.longValue())) : DoubleNode.valueOf(Math.abs(a.doubleValue()));
    }

    static NumericNode round2(JsonNode a) {
        if (num(a).isIntegralNumber()) return (NumericNode) a;
        return DoubleNode.valueOf(new BigDecimal(a.doubleValue()).setScale(2, RoundingMode.HALF_EVEN).doubleValue());
    }

    static int compare(JsonNode a, JsonNode b) {
        if (num(a).isIntegralNumber() && num(b).isIntegralNumber()) return Long.compare(a.longValue(), b.longValue());
        return Double.compare(a.doubleValue(), b.doubleValue());
    }
}
