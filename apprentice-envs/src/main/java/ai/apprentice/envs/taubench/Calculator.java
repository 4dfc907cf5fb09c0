package ai.apprentice.envs.taubench;

import com.fasterxml.jackson.databind.node.DoubleNode;

/**
 * The {@code calculate} tool: arithmetic with + - * / ** and parentheses, evaluated with Python's rules
 * (true division, int/float), answered as {@code str(round(float(result), 2))}.
 */
final class Calculator {
    private final String s;
    private int pos;

    private Calculator(String s) {
        this.s = s;
    }

    static String evaluate(String expression) {
        for (char c : expression.toCharArray()) {
            if ("0123456789+-*/(). ".indexOf(c) < 0) throw new ToolError("invalid characters in expression");
        }
        var c = new Calculator(expression);
        double value;
        try {
            value = c.expr();
            c.skip();
            if (c.pos != c.s.length()) throw new ToolError("invalid syntax (<string>, line 1)");
        } catch (ArithmeticException e) {
            throw new ToolError("division by zero");
        } catch (StringIndexOutOfBoundsException | NumberFormatException e) {
            throw new ToolError("invalid syntax (<string>, line 1)");
        }
        return PyRepr.floatRepr(Py.round2(DoubleNode.valueOf(value)).doubleValue());
    }

    private void skip() {
        while (pos < s.length() && s.charAt(pos) == ' ') pos++;
    }

    private boolean eat(String token) {
        skip();
        if (s.startsWith(token, pos) && !(token.equals("*") && s.startsWith("**", pos))) {
            pos += token.length();
            return true;
        }
        return false;
    }

    private double expr() {
        double v = term();
        while (true) {
            if (eat("+")) v += term();
            else if (eat("-")) v -= term();
            else return v;
        }
    }

    private double term() {
        double v = unary();
        while (true) {
            if (eat("*")) v *= unary();
            else if (eat("/")) {
                double d = unary();
                if (d == 0) throw new ArithmeticException();
                v /= d;
            } else return v;
        }
    }

    private double unary() {
        if (eat("-")) return -unary();
        if (eat("+")) return unary();
        return power();
    }

    private double power() {
        double base = atom();
        if (eat("**")) return Math.pow(base, unary());
        return base;
    }

    private double atom() {
        if (eat("(")) {
            double v = expr();
            if (!eat(")")) throw new StringIndexOutOfBoundsException();
            return v;
        }
        skip();
        int start = pos;
        while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.')) pos++;
        if (start == pos) throw new StringIndexOutOfBoundsException();
        return Double.parseDouble(s.substring(start, pos));
    }
}
