package dev.tollgate.server.observe;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text scrape: series key (name + labels sorted by name) to value. */
final class Scrape {
    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    final Map<String, Double> series = new TreeMap<>();
    final String text;

    Scrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            series.put(key(m.group(1), labels), Double.parseDouble(m.group(4)));
        }
    }

    static String key(String name, Map<String, String> labels) {
        StringBuilder b = new StringBuilder(name).append('{');
        labels.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
        return b.append('}').toString();
    }

    /** {@code name} with the given label pairs (other labels must be absent). */
    static String key(String name, String... kv) {
        Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            labels.put(kv[i], kv[i + 1]);
        }
        return key(name, labels);
    }

    double value(String name, String... kv) {
        return series.getOrDefault(key(name, kv), 0.0);
    }

    boolean has(String name, String... kv) {
        return series.containsKey(key(name, kv));
    }

    long count(String name) {
        return series.keySet().stream().filter(k -> k.startsWith(name + "{")).count();
    }

    long countPrefix(String prefix) {
        return series.keySet().stream().filter(k -> k.startsWith(prefix)).count();
    }

    /** Sum over the series of {@code name} that carry at least the given label pairs. */
    double sum(String name, String... kv) {
        double total = 0;
        for (var e : series.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < kv.length; i += 2) {
                all &= k.contains(kv[i] + "=\"" + kv[i + 1] + "\",");
            }
            if (all) {
                total += e.getValue();
            }
        }
        return total;
    }

    boolean hasMetric(String name) {
        return series.keySet().stream().anyMatch(k -> k.startsWith(name + "{"));
    }
}
