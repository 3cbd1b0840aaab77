package dev.tollgate.testing.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ServiceSettingsTest {
    static final Programs NONE = Programs.in(List.of());

    static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void byDefaultTheSharedServicesOnTheDefaultPortsAreTriedAndNothingIsRequired() {
        ServiceSettings s = ServiceSettings.from(Map.of(), props(), NONE);

        assertThat(s.redisUrl()).isNull();
        assertThat(s.databaseUrl()).isNull();
        assertThat(s.privateOnly()).isFalse();
        assertThat(s.requireServices()).isFalse();
        assertThat(s.sharedRedisUrl()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(s.sharedDatabaseUrl()).isEqualTo("postgresql://postgres@127.0.0.1:5432/postgres");
    }

    @Test
    void environmentUrlsPrivateModeAndRequireServicesAreRead() {
        ServiceSettings s = ServiceSettings.from(
                Map.of(
                        "TOLLGATE_TEST_REDIS_URL", " redis://cache:6380 ",
                        "TOLLGATE_TEST_DATABASE_URL", "postgresql://ci:pw@db:5433/postgres",
                        "TOLLGATE_TEST_SERVICES", "private"),
                props("tollgate.tests.requireServices", "true"),
                NONE);

        assertThat(s.redisUrl()).isEqualTo("redis://cache:6380");
        assertThat(s.databaseUrl()).isEqualTo("postgresql://ci:pw@db:5433/postgres");
        assertThat(s.privateOnly()).isTrue();
        assertThat(s.requireServices()).isTrue();
    }

    @Test
    void theSystemPropertyOverridesTheEnvironmentForTheMode() {
        ServiceSettings s = ServiceSettings.from(
                Map.of("TOLLGATE_TEST_SERVICES", "private"), props("tollgate.tests.services", "auto"), NONE);

        assertThat(s.privateOnly()).isFalse();
        assertThat(ServiceSettings.from(Map.of(), props("tollgate.tests.services", "PRIVATE"), NONE)
                        .privateOnly())
                .isTrue();
        assertThat(ServiceSettings.from(Map.of("TOLLGATE_TEST_REDIS_URL", "  "), props(), NONE)
                        .redisUrl())
                .as("blank is unset")
                .isNull();
    }

    @Test
    void anUnknownModeIsRejectedWithTheValuesItTakes() {
        assertThatThrownBy(() -> ServiceSettings.from(Map.of(), props("tollgate.tests.services", "shared"), NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tollgate.tests.services=shared")
                .hasMessageContaining("expected auto")
                .hasMessageContaining("or private");
    }
}
