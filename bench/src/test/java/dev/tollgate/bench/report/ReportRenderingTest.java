package dev.tollgate.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportRenderingTest {

    @Test
    void markdownTableEscapesAndShowsMissingValuesAsDashes() {
        String md = new MarkdownTable("a", "b", "c")
                .row("x|y", null, Double.NaN)
                .row(1, 2.5, "z")
                .render();
        assertThat(md).isEqualTo("| a | b | c |\n|---|---:|---:|\n| x\\|y | – | – |\n| 1 | 2.5 | z |\n");
    }

    @Test
    void rowsMustMatchTheHeader() {
        assertThatThrownBy(() -> new MarkdownTable("a", "b").row("only one"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void numbersGetFewerDecimalsAsTheyGrow() {
        assertThat(MarkdownTable.auto(0.12345)).isEqualTo("0.123");
        assertThat(MarkdownTable.auto(1.2345)).isEqualTo("1.23");
        assertThat(MarkdownTable.auto(12.345)).isEqualTo("12.3");
        assertThat(MarkdownTable.auto(12345.6)).isEqualTo("12346");
        assertThat(MarkdownTable.auto(Double.NaN)).isEqualTo("–");
    }

    @Test
    void svgHasOnePathPerSeriesAndALegend() {
        String svg = new SvgChart("t <1>", "x", "y")
                .add(new SvgChart.Series("nginx", "p50", List.of(new double[] {100, 0.5}, new double[] {200, 0.7})))
                .add(new SvgChart.Series("nginx", "p99", List.of(new double[] {100, 2}, new double[] {200, 40})))
                .add(new SvgChart.Series("empty", "p50", List.of(new double[] {100, Double.NaN})))
                .render();
        assertThat(svg).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"").endsWith("</svg>\n");
        assertThat(svg).contains("t &lt;1&gt;");
        assertThat(svg.split("<path ", -1)).hasSize(3);
        assertThat(svg).contains("stroke-dasharray=\"6,4\"").contains(">nginx p99<");
    }

    @Test
    void svgWithoutDataSaysSo() {
        assertThat(new SvgChart("t", "x", "y").render()).contains("no data");
    }
}
