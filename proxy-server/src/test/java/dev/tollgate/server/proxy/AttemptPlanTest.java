package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.config.ConfigLoader;
import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.core.routing.AttemptFailure;
import dev.tollgate.core.routing.InProcessCooldowns;
import dev.tollgate.server.ShiftedClock;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The attempt sequence of one call, without any network: retries, their delays, fallbacks, cooldowns. */
class AttemptPlanTest {
    private static String mock(String group, String id) {
        return "  - {model_name: " + group + ", litellm_params: {model: openai/gpt-4o, mock_response: hi},"
                + " model_info: {id: " + id + ", input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}\n";
    }

    private static TollgateConfig config(String router) {
        return ConfigLoader.parse(
                "model_list:\n" + mock("a", "a-1") + mock("a", "a-2") + mock("solo", "solo-1") + mock("b", "b-1")
                        + mock("c", "c-1") + "router_settings: " + router + "\n",
                Map.of(),
                "t");
    }

    @Test
    void aRetryOfTheSameDeploymentWaitsAtLeastRetryAfterAndAnotherDeploymentNothing() {
        TollgateConfig c = config("{routing_strategy: round-robin, num_retries: 2, retry_after: 3}");
        DeploymentSelector s = new DeploymentSelector(c);
        InProcessCooldowns cd = new InProcessCooldowns(10, Duration.ofSeconds(5));
        AttemptPlan solo = new AttemptPlan(s, c.router(), cd, Clock.systemUTC(), "solo");
        assertThat(solo.next(AttemptFailure.SERVER_ERROR, -1).delayMs()).isEqualTo(3_000);
        AttemptPlan pair = new AttemptPlan(s, c.router(), cd, Clock.systemUTC(), "a");
        String first = pair.current().config().id();
        AttemptPlan.Next next = pair.next(AttemptFailure.RATE_LIMITED, 30_000);
        assertThat(next.delayMs()).isZero();
        assertThat(next.deployment().config().id()).isNotEqualTo(first);
        assertThat(pair.retries()).isEqualTo(1);
    }

    @Test
    void maxFallbacksCapsTheChain() {
        TollgateConfig c = config("{max_fallbacks: 1, fallbacks: [{\"solo\": [\"b\", \"c\"]}]}");
        DeploymentSelector s = new DeploymentSelector(c);
        AttemptPlan p = new AttemptPlan(
                s, c.router(), new InProcessCooldowns(10, Duration.ofSeconds(5)), Clock.systemUTC(), "solo");
        assertThat(p.next(AttemptFailure.SERVER_ERROR, -1).group()).isEqualTo("b");
        assertThat(p.next(AttemptFailure.SERVER_ERROR, -1)).isNull();
        assertThat(p.fallbacks()).isEqualTo(1);
    }

    @Test
    void aFailureBeyondAllowedFailsCoolsTheDeploymentDownForCooldownTime() {
        TollgateConfig c = config("{routing_strategy: round-robin, allowed_fails: 0, cooldown_time: 5}");
        DeploymentSelector s = new DeploymentSelector(c);
        ShiftedClock clock = ShiftedClock.at(java.time.Instant.parse("2026-01-01T00:00:10Z"));
        InProcessCooldowns cd = new InProcessCooldowns(0, Duration.ofSeconds(5));
        AttemptPlan p = new AttemptPlan(s, c.router(), cd, clock, "a");
        String failed = p.current().config().id();
        assertThat(p.next(AttemptFailure.SERVER_ERROR, -1))
                .as("no retries configured")
                .isNull();
        assertThat(cd.coolingDown(failed, clock.millis())).isTrue();
        for (int i = 0; i < 4; i++) {
            assertThat(new AttemptPlan(s, c.router(), cd, clock, "a")
                            .current()
                            .config()
                            .id())
                    .isNotEqualTo(failed);
        }
        assertThat(cd.coolingDown(failed, clock.millis() + 5_001)).isFalse();
        // A client error says nothing about the deployment: it does not count.
        InProcessCooldowns fresh = new InProcessCooldowns(0, Duration.ofSeconds(5));
        AttemptPlan q = new AttemptPlan(s, c.router(), fresh, clock, "a");
        q.next(AttemptFailure.OTHER, -1);
        assertThat(fresh.coolingDown(q.current().config().id(), clock.millis())).isFalse();
    }
}
