package ai.apprentice.envs.taubench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import org.junit.jupiter.api.Test;

class PyReprTest {
    @Test
    void matchesPythonStr() {
        var node = Json.tree("{\"b\":[1],\"a\":{\"x\":1.5,\"y\":null,\"z\":true},\"c\":[]}");
        assertThat(PyRepr.repr(node)).isEqualTo("(('a', (('x', 1.5), ('y', None), ('z', True))), ('b', (1,)), ('c', ()))");
        assertThat(PyRepr.repr(Json.tree("[\"it's\", \"say \\\"hi\\\" it's\", \"a\\\\b\\n\"]")))
                .isEqualTo("(\"it's\", 'say \"hi\" it\\'s', 'a\\\\b\\n')");
    }

    @Test
    void floatsAsPythonRepr() {
        assertThat(PyRepr.floatRepr(100.0)).isEqualTo("100.0");
        assertThat(PyRepr.floatRepr(71.96000000000001)).isEqualTo("71.96000000000001");
        assertThat(PyRepr.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PyRepr.floatRepr(0.00001)).isEqualTo("1e-05");
        assertThat(PyRepr.floatRepr(1.5e-5)).isEqualTo("1.5e-05");
        assertThat(PyRepr.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PyRepr.floatRepr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(PyRepr.floatRepr(123456789.125)).isEqualTo("123456789.125");
        assertThat(PyRepr.floatRepr(-0.5)).isEqualTo("-0.5");
        assertThat(PyRepr.floatRepr(1234567.0)).isEqualTo("1234567.0");
    }
}
