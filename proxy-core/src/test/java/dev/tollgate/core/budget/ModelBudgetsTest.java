package dev.tollgate.core.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.ModelLimits;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelBudgetsTest {
    private static ModelBudgets parse(String json) throws Exception {
        return ModelBudgets.parse(Json.MAPPER.readTree(json));
    }

    @Test
    void readsLiteLlmsShapeWithAliasesAndWritesCanonicalNames() throws Exception {
        ModelBudgets b = parse("{\"gpt-4o\": {\"max_budget\": 0.5, \"budget_duration\": \"1d\", \"rpm_limit\": 10,"
                + " \"tpm_limit\": 10000}, \"openai/gpt-4o-mini\": {\"budget_limit\": 2, \"time_period\": \"30d\"},"
                + " \"claude\": {\"rpm_limit\": 3}}");

        ModelBudget gpt = b.entry("gpt-4o");
        assertThat(gpt.maxBudgetNanos()).isEqualTo(500_000_000L);
        assertThat(gpt.duration().text()).isEqualTo("1d");
        assertThat(gpt.rpmLimit()).isEqualTo(10);
        assertThat(gpt.tpmLimit()).isEqualTo(10_000);
        assertThat(b.entry("claude").maxBudgetNanos()).isEqualTo(-1);
        assertThat(b.canonicalJson())
                .isEqualTo("{\"gpt-4o\":{\"max_budget\":0.5,\"budget_duration\":\"1d\",\"rpm_limit\":10,"
                        + "\"tpm_limit\":10000},\"openai/gpt-4o-mini\":{\"max_budget\":2.0,\"budget_duration\":\"30d\"},"
                        + "\"claude\":{\"rpm_limit\":3}}");
        assertThat(ModelBudgets.parseStored(b.canonicalJson())).isEqualTo(b);
    }

    @Test
    void eachBadShapeNamesTheModelKeyAndTheProblem() {
        assertProblem("[]", "must be an object mapping model names");
        assertProblem("{\"\": {\"max_budget\": 1}}", "empty model name");
        assertProblem("{\"gpt-4o\": 1}", "model_max_budget['gpt-4o'] must be an object");
        assertProblem("{\"gpt-4o\": {}}", "model_max_budget['gpt-4o'] sets nothing");
        assertProblem(
                "{\"gpt-4o\": {\"max_budgett\": 1}}", "model_max_budget['gpt-4o'] has an unknown field 'max_budgett'");
        assertProblem(
                "{\"gpt-4o\": {\"max_budget\": -1}}", "model_max_budget['gpt-4o'].max_budget must be a non-negative");
        assertProblem("{\"gpt-4o\": {\"max_budget\": \"1\"}}", "max_budget must be a non-negative finite number");
        assertProblem(
                "{\"gpt-4o\": {\"rpm_limit\": 1.5}}",
                "model_max_budget['gpt-4o'].rpm_limit must be a non-negative integer");
        assertProblem("{\"gpt-4o\": {\"tpm_limit\": -3}}", "tpm_limit must be a non-negative integer");
        assertProblem("{\"gpt-4o\": {\"budget_duration\": \"soon\"}}", "model_max_budget['gpt-4o'].budget_duration");
        assertProblem("{\"gpt-4o\": {\"budget_duration\": 1}}", "budget_duration must be a string");
        assertProblem("{\"gpt-4o\": {\"max_budget\": 1, \"budget_limit\": 2}}", "sets both max_budget and its alias");
    }

    private static void assertProblem(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void theClientsNameWinsThenAProviderPrefixedDeploymentModelThenAnyPrefixedName() throws Exception {
        ModelBudgets b = parse("{\"gpt-4o\": {\"max_budget\": 1}, \"azure/gpt-4o-eu\": {\"max_budget\": 2},"
                + " \"openai/gpt-4o-mini\": {\"max_budget\": 3}, \"anthropic/claude\": {\"max_budget\": 4}}");

        assertThat(b.entryFor("gpt-4o", List.of("azure/gpt-4o-eu")).model()).isEqualTo("gpt-4o");
        assertThat(b.entryFor("eu-model", List.of("azure/gpt-4o-eu")).model()).isEqualTo("azure/gpt-4o-eu");
        assertThat(b.entryFor("gpt-4o-mini", List.of("openai/gpt-4o-mini")).model())
                .isEqualTo("openai/gpt-4o-mini");
        assertThat(b.entryFor("claude", List.of("bedrock/x")).model()).isEqualTo("anthropic/claude");
        assertThat(b.entryFor("llama", List.of("ollama/llama"))).isNull();
    }

    @Test
    void periodsAreCalendarAlignedLikeBudgetDuration() throws Exception {
        ModelBudgets b = parse("{\"gpt-4o\": {\"max_budget\": 1, \"budget_duration\": \"1d\"},"
                + " \"forever\": {\"max_budget\": 1}}");
        long now = Instant.parse("2026-12-05T15:00:00Z").toEpochMilli();

        ModelLimits daily = b.entry("gpt-4o").limits(now, ZoneOffset.UTC);

        assertThat(daily.periodEndMs())
                .isEqualTo(Instant.parse("2026-12-06T00:00:00Z").toEpochMilli());
        assertThat(daily.maxBudgetNanos()).isEqualTo(1_000_000_000L);
        assertThat(b.entry("forever").limits(now, ZoneOffset.UTC).periodEndMs()).isZero();
    }
}
