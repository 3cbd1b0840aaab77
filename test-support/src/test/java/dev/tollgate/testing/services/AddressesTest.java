package dev.tollgate.testing.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressesTest {
    @Test
    void aPostgresUrlGivesJdbcAndDatabaseUrlsForAnyDatabaseOnTheSameServer() {
        PostgresAddress a =
                PostgresAddress.parse("postgresql://ci%40corp:p%40ss%20w+rd@db.internal:5433/admin?sslmode=disable");

        assertThat(a.host()).isEqualTo("db.internal");
        assertThat(a.port()).isEqualTo(5433);
        assertThat(a.user()).isEqualTo("ci@corp");
        assertThat(a.password()).isEqualTo("p@ss w+rd");
        assertThat(a.database()).isEqualTo("admin");
        assertThat(a.jdbcUrl("tg_x"))
                .isEqualTo("jdbc:postgresql://db.internal:5433/tg_x?user=ci%40corp&password=p%40ss%20w%2Brd"
                        + "&sslmode=disable");
        assertThat(a.databaseUrl("tg_x"))
                .isEqualTo("postgresql://ci%40corp:p%40ss%20w%2Brd@db.internal:5433/tg_x?sslmode=disable");
        assertThat(PostgresAddress.parse(a.databaseUrl("admin"))).isEqualTo(a);
        assertThat(a.redacted()).doesNotContain("p%40ss").contains("ci%40corp:***@db.internal");
    }

    @Test
    void jdbcAndShortFormsAndDefaultsAreAccepted() {
        PostgresAddress jdbc =
                PostgresAddress.parse("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres&password=x");
        assertThat(jdbc.user()).isEqualTo("postgres");
        assertThat(jdbc.password()).isEqualTo("x");
        assertThat(jdbc.query()).isEmpty();

        PostgresAddress bare = PostgresAddress.parse("postgres://me@localhost");
        assertThat(bare.port()).isEqualTo(5432);
        assertThat(bare.database()).isEqualTo("postgres");
        assertThat(bare.password()).isNull();
        assertThat(bare.jdbcUrl("d")).isEqualTo("jdbc:postgresql://localhost:5432/d?user=me");
    }

    @Test
    void somethingElseIsNotAPostgresUrl() {
        assertThatThrownBy(() -> PostgresAddress.parse("mysql://u:secret@h/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected postgresql://")
                .hasMessageNotContaining("secret");
    }

    @Test
    void redisUrlsWithAndWithoutCredentials() {
        RedisAddress plain = RedisAddress.parse("redis://127.0.0.1");
        assertThat(plain.port()).isEqualTo(6379);
        assertThat(plain.password()).isNull();
        assertThat(plain.tls()).isFalse();

        RedisAddress passwordOnly = RedisAddress.parse("redis://:s3cret@cache:6380/2");
        assertThat(passwordOnly.user()).isNull();
        assertThat(passwordOnly.password()).isEqualTo("s3cret");
        assertThat(passwordOnly.port()).isEqualTo(6380);
        assertThat(passwordOnly.redacted()).isEqualTo("redis://:***@cache:6380/2");

        RedisAddress acl = RedisAddress.parse("rediss://app:p%2Fw@cache");
        assertThat(acl.user()).isEqualTo("app");
        assertThat(acl.password()).isEqualTo("p/w");
        assertThat(acl.tls()).isTrue();
        assertThat(acl.redacted()).isEqualTo("rediss://app:***@cache");
    }

    @Test
    void aClusterUrlIsNotOneRedis() {
        assertThatThrownBy(() -> RedisAddress.parse("redis-cluster://a:1,b:2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one Redis server");
    }
}
