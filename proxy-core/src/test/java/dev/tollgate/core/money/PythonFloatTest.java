package dev.tollgate.core.money;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expected strings are what CPython's {@code str(float)} prints for the same values. */
class PythonFloatTest {
    @Test
    void rendersLikePythonStr() {
        assertThat(PythonFloat.of(0.0)).isEqualTo("0.0");
        assertThat(PythonFloat.of(10.0)).isEqualTo("10.0");
        assertThat(PythonFloat.of(1234567.0)).isEqualTo("1234567.0");
        assertThat(PythonFloat.of(0.0006)).isEqualTo("0.0006");
        assertThat(PythonFloat.of(0.0001)).isEqualTo("0.0001");
        assertThat(PythonFloat.of(0.001413)).isEqualTo("0.001413");
        assertThat(PythonFloat.of(0.1 + 0.2)).isEqualTo("0.30000000000000004");
        assertThat(PythonFloat.of(0.00001)).isEqualTo("1e-05");
        assertThat(PythonFloat.of(1e16)).isEqualTo("1e+16");
        assertThat(PythonFloat.of(-2.5)).isEqualTo("-2.5");
    }

    @Test
    void rendersNanoDollars() {
        assertThat(PythonFloat.of(600_000L)).isEqualTo("0.0006");
        assertThat(PythonFloat.of(4_000_000_000L)).isEqualTo("4.0");
    }
}
