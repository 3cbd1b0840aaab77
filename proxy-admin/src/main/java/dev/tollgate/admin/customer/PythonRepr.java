package dev.tollgate.admin.customer;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Python's {@code repr} of string lists and sets, for the few LiteLLM messages that embed one
 * (clients match on them, e.g. {@code Successfully deleted customers with ids: ['a', 'b']}).
 */
public final class PythonRepr {
    private PythonRepr() {}

    /** {@code ['a', 'b']}. */
    public static String list(List<String> items) {
        return items.stream().map(PythonRepr::string).collect(Collectors.joining(", ", "[", "]"));
    }

    /** {@code {'a', 'b'}} in sorted order (Python's own order is arbitrary), {@code set()} when empty. */
    public static String set(Collection<String> items) {
        if (items.isEmpty()) {
            return "set()";
        }
        return new TreeSet<>(items).stream().map(PythonRepr::string).collect(Collectors.joining(", ", "{", "}"));
    }

    /** A str literal: single quotes unless the text holds a single quote and no double quote. */
    static String string(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(quote);
        for (char ch : s.toCharArray()) {
            if (ch == '\\' || ch == quote) {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.append(quote).toString();
    }
}
