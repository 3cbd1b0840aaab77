package dev.tollgate.core.money;

import java.math.BigDecimal;

/**
 * Renders a number the way Python's {@code str(float)} does ({@code 10.0}, {@code 0.001413},
 * {@code 1e-05}), because LiteLLM's error texts embed Python floats and clients match on them.
 */
public final class PythonFloat {
    private PythonFloat() {}

    public static String of(long nanos) {
        return of((double) nanos / Money.NANOS_PER_USD);
    }

    public static String of(double value) {
        if (value == 0) {
            return "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(value));
        double abs = Math.abs(value);
        if (abs >= 1e-4 && abs < 1e16) {
            // Double.toString writes 6.0E-4 for 0.0006: drop the zero that notation adds.
            String plain = shortest.stripTrailingZeros().toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        BigDecimal unscaled = shortest.stripTrailingZeros();
        String digits = unscaled.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - unscaled.scale();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String sign = value < 0 ? "-" : "";
        String expSign = exponent < 0 ? "-" : "+";
        int e = Math.abs(exponent);
        return sign + mantissa + "e" + expSign + (e < 10 ? "0" + e : Integer.toString(e));
    }
}
