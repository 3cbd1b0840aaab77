package dev.tollgate.core.text;

/**
 * Whether a string can be stored in a {@code VARCHAR(n)} column of both databases unchanged.
 *
 * <p>Lengths are counted in UTF-16 code units ({@code String.length()}): H2 counts them, while
 * PostgreSQL counts code points, which are never more; a string within the limit in units fits
 * both. U+0000 is refused because PostgreSQL cannot store it (SQLSTATE 22021), and an unpaired
 * surrogate because PostgreSQL would store {@code ?} in its place. Identifiers additionally refuse
 * every control character (Unicode category Cc).
 */
public final class StoredText {
    private StoredText() {}

    /**
     * Why {@code s} cannot be stored as given, as the end of a sentence (e.g. "longer than 256
     * UTF-16 code units ..."), or null when it can.
     *
     * @param maxUnits   the column width
     * @param identifier also refuse control characters and the empty string
     */
    public static String problem(String s, int maxUnits, boolean identifier) {
        if (identifier && s.isEmpty()) {
            return "must not be empty";
        }
        if (s.length() > maxUnits) {
            return "longer than " + maxUnits + " UTF-16 code units (got " + s.length()
                    + "; a character outside the Basic Multilingual Plane, such as most emoji, counts as 2)";
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++; // a well-formed pair
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired surrogate (" + codePoint(c) + ") at index " + i;
            } else if (c == 0 || (identifier && Character.isISOControl(c))) {
                return "contains the control character " + codePoint(c) + " at index " + i;
            }
        }
        return null;
    }

    private static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
    }
}
