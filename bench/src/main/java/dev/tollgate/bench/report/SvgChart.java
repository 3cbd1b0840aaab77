package dev.tollgate.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * A self-contained SVG line chart: x linear, y logarithmic (latencies span decades), one colour per
 * series group, solid/dashed/dotted lines per percentile. No scripts, no external fonts.
 */
public final class SvgChart {
    /** One line: {@code group} picks the colour (e.g. the target), {@code style} the dash (e.g. p50/p99). */
    public record Series(String group, String style, List<double[]> points) {}

    private static final String[] COLOURS = {"#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b"};
    private static final String[] DASHES = {"", "6,4", "2,3"};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();

    public SvgChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public SvgChart add(Series s) {
        series.add(s);
        return this;
    }

    public String render() {
        int w = 900;
        int h = 520;
        int left = 80;
        int right = 220;
        int top = 50;
        int bottom = 60;
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMin = Double.MAX_VALUE;
        double yMax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double[] p : s.points()) {
                if (!(p[1] > 0) || Double.isInfinite(p[1])) {
                    continue;
                }
                xMin = Math.min(xMin, p[0]);
                xMax = Math.max(xMax, p[0]);
                yMin = Math.min(yMin, p[1]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
                w,
                h,
                w,
                h));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"25\" font-size=\"16\" font-weight=\"bold\">%s</text>\n",
                left,
                esc(title)));
        if (xMin == Double.MAX_VALUE) {
            sb.append("<text x=\"100\" y=\"200\">no data</text>\n</svg>\n");
            return sb.toString();
        }
        if (xMax == xMin) {
            xMax = xMin + 1;
        }
        double lyMin = Math.floor(Math.log10(yMin));
        double lyMax = Math.ceil(Math.log10(yMax));
        if (lyMax == lyMin) {
            lyMax = lyMin + 1;
        }
        int pw = w - left - right;
        int ph = h - top - bottom;
        final double fxMin = 0;
        final double fxMax = xMax * 1.05;
        final double fLyMin = lyMin;
        final double fLyMax = lyMax;
        DoubleUnaryOperator sx = x -> left + (x - fxMin) / (fxMax - fxMin) * pw;
        DoubleUnaryOperator sy = y -> top + ph - (Math.log10(y) - fLyMin) / (fLyMax - fLyMin) * ph;
        // Axes and grid.
        sb.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n",
                left,
                top,
                pw,
                ph));
        for (double d = lyMin; d <= lyMax; d++) {
            for (int m = 1; m < 10; m++) {
                double v = Math.pow(10, d) * m;
                if (Math.log10(v) > lyMax + 1e-9) {
                    break;
                }
                double y = sy.applyAsDouble(v);
                sb.append(String.format(
                        Locale.ROOT,
                        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                        left,
                        left + pw,
                        y,
                        y,
                        m == 1 ? "#ccc" : "#eee"));
                if (m == 1) {
                    sb.append(String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                            left - 6,
                            y + 4,
                            MarkdownTable.auto(v)));
                }
            }
        }
        int ticks = 5;
        for (int i = 0; i <= ticks; i++) {
            double v = fxMin + (fxMax - fxMin) * i / ticks;
            double x = sx.applyAsDouble(v);
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n",
                    x,
                    x,
                    top,
                    top + ph));
            sb.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    x,
                    top + ph + 18,
                    String.format(Locale.ROOT, "%.0f", v)));
        }
        sb.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                left + pw / 2,
                h - 15,
                esc(xLabel)));
        sb.append(String.format(
                Locale.ROOT,
                "<text x=\"20\" y=\"%d\" transform=\"rotate(-90 20 %d)\" text-anchor=\"middle\">%s</text>\n",
                top + ph / 2,
                top + ph / 2,
                esc(yLabel)));
        // Lines and legend.
        List<String> groups = new ArrayList<>();
        List<String> styles = new ArrayList<>();
        for (Series s : series) {
            if (!groups.contains(s.group())) {
                groups.add(s.group());
            }
            if (!styles.contains(s.style())) {
                styles.add(s.style());
            }
        }
        int legendY = top + 10;
        for (Series s : series) {
            String colour = COLOURS[groups.indexOf(s.group()) % COLOURS.length];
            String dash = DASHES[styles.indexOf(s.style()) % DASHES.length];
            StringBuilder path = new StringBuilder();
            for (double[] p : s.points()) {
                if (!(p[1] > 0) || Double.isInfinite(p[1])) {
                    continue;
                }
                path.append(path.length() == 0 ? "M" : " L")
                        .append(String.format(
                                Locale.ROOT, "%.1f,%.1f", sx.applyAsDouble(p[0]), sy.applyAsDouble(p[1])));
            }
            if (path.length() == 0) {
                continue;
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                    path,
                    colour,
                    dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\""));
            for (double[] p : s.points()) {
                if (p[1] > 0 && !Double.isInfinite(p[1])) {
                    sb.append(String.format(
                            Locale.ROOT,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
                            sx.applyAsDouble(p[0]),
                            sy.applyAsDouble(p[1]),
                            colour));
                }
            }
            int lx = left + pw + 15;
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                    lx,
                    lx + 30,
                    legendY,
                    legendY,
                    colour,
                    dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\""));
            sb.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\">%s</text>\n",
                    lx + 36,
                    legendY + 4,
                    esc(s.group() + " " + s.style())));
            legendY += 18;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
