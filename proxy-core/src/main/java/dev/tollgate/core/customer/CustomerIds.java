package dev.tollgate.core.customer;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.text.StoredText;

/**
 * The one rule every customer id obeys, wherever it comes from (a call's headers or body, or the
 * admin API), so that any id accepted anywhere can be stored, flushed and looked up everywhere.
 *
 * <ul>
 *   <li><b>Length:</b> 1 to {@value #MAX_UNITS} UTF-16 code units, i.e. Java {@code String.length()}.
 *       The id columns are {@code VARCHAR(256)}: H2 counts UTF-16 code units there (a character
 *       outside the Basic Multilingual Plane, such as most emoji, takes two), PostgreSQL counts
 *       code points. A limit in code units is therefore the one that fits both databases; an id of
 *       200 emoji (400 units) is refused instead of being accepted on a call and then failing
 *       every spend flush.</li>
 *   <li><b>No control characters</b> (Unicode category Cc: U+0000–U+001F, U+007F–U+009F): they
 *       break log lines and headers, and PostgreSQL cannot store U+0000 at all.</li>
 *   <li><b>No unpaired surrogates:</b> they are not characters; PostgreSQL would store a
 *       {@code ?} in their place, a different id from the one the call was counted under.</li>
 * </ul>
 */
public final class CustomerIds {
    /** Longest accepted id in UTF-16 code units: the width of every customer id column. */
    public static final int MAX_UNITS = 256;

    private CustomerIds() {}

    /**
     * Why {@code id} breaks the rule, as the end of a sentence ("longer than ..."), or null when it
     * obeys it.
     */
    public static String problem(String id) {
        return StoredText.problem(id, MAX_UNITS, true);
    }

    /**
     * Returns {@code id} when it obeys the rule; otherwise throws a 400 whose message starts with
     * {@code Invalid <what>:} and whose {@code param} is {@code param}.
     */
    public static String require(String id, String what, String param) {
        String problem = problem(id);
        if (problem != null) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Invalid " + what + ": " + problem, param);
        }
        return id;
    }
}
