package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tollgate.core.customer.CustomerIdSource;
import dev.tollgate.core.limits.TokenRateLimitType;
import dev.tollgate.core.money.ModelPrice;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ConfigLoaderTest {
    private static final Map<String, String> ENV =
            Map.of("OPENAI_API_KEY", "sk-openai", "AZURE_KEY", "az-key", "LITELLM_MASTER_KEY", "sk-from-env");

    private static final String RICH = """
            model_list:
              - model_name: gpt-4o
                litellm_params:
                  model: openai/gpt-4o
                  api_base: https://api.openai.com/v1
                  api_key: os.environ/OPENAI_API_KEY
                  rpm: 100
                  tpm: 100000
                  timeout: 30
              - model_name: gpt-4o
                litellm_params:
                  model: azure/my-gpt4o-deployment
                  api_base: https://example.openai.azure.com
                  api_key: os.environ/AZURE_KEY
                  api_version: "2024-10-21"
                  region_name: eu
                model_info:
                  id: azure-eu
                  base_model: azure/gpt-4o
              - model_name: cheap
                litellm_params:
                  model: hosted_vllm/meta-llama/Llama-3.1-8B-Instruct
                  api_base: http://vllm:8000/v1
                  timeout: 2.5
                model_info:
                  input_cost_per_token: 0.0000001
                  output_cost_per_token: 2e-7
                  cache_read_input_token_cost: 0.00000005
                  max_output_tokens: 2048
              - model_name: fake
                litellm_params:
                  model: fake
                  mock_response: hello
                model_info:
                  free: true
            litellm_settings:
              max_end_user_budget_id: free-tier
              timezone: Europe/Berlin
              enable_end_user_cost_tracking_prometheus_only: true
              disable_end_user_cost_tracking: false
              prometheus_end_user_cap: 500
              callbacks: ["prometheus"]
              max_budget: 0
              validate_end_user_id_in_db: false
              drop_params: true
              num_retries: 2
              set_verbose: false
            general_settings:
              master_key: sk-1234
              database_url: postgresql://db/tollgate
              redis_url: redis://cache:6379
              alerting: ["webhook"]
              alert_types: ["budget_alerts"]
              webhook_url: https://hooks.example.com/tollgate
              webhook_secret: s3cret
              proxy_batch_write_at: 5
              proxy_budget_rescheduler_min_time: 597
              proxy_budget_rescheduler_max_time: 605
              use_redis_transaction_buffer: true
              litellm_key_header_name: x-api-key
              store_model_in_db: false
              disable_spend_logs: true
              user_header_name: X-My-User
              user_header_mappings:
                - header_name: X-Internal
                  litellm_user_role: internal_user
                - header_name: X-My-Customer
                  litellm_user_role: CUSTOMER
              enforce_user_param: true
              token_rate_limit_type: total
              budget_exceeded_status: 429
              default_reserve_tokens: 256
              fail_open: false
              max_request_body_bytes: 1048576
              upstream_connect_timeout: 2
              upstream_read_timeout: 120
              request_timeout: 300
              client_idle_timeout: 15
              shutdown_drain_timeout: 10
              spend_reconcile_interval: 15
              webhook_thresholds: [0.95, 0.5]
              webhook_retry_base_ms: 250
              webhook_max_attempts: 4
              webhook_queue_capacity: 100
              webhook_timeout: 3
            router_settings:
              routing_strategy: least-busy
            """;

    private static TollgateConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, ENV, "test.yaml");
    }

    private static TollgateConfig parse(String yaml, Map<String, String> env) {
        return ConfigLoader.parse(yaml, env, "test.yaml");
    }

    /** A minimal valid config with {@code extra} appended (top-level YAML). */
    private static String minimal(String extra) {
        return """
                model_list:
                  - model_name: gpt-4o
                    litellm_params:
                      model: openai/gpt-4o
                """ + extra;
    }

    private static void assertInvalid(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void readsARichConfig() {
        LoadedConfig loaded = ConfigLoader.read(RICH, ENV, "test.yaml");
        TollgateConfig c = loaded.config();
        assertThat(loaded.unknownKeys()).isEmpty();
        assertThat(loaded.warnings()).isEmpty();
        // LiteLLM keys without effect are named once each, with what the operator does not get where it matters.
        assertThat(loaded.noEffectKeys())
                .contains(
                        "model_list[*].litellm_params.rpm (deployment rpm/tpm are not enforced unless routing_strategy is usage-based-routing-v2 (they weight simple-shuffle); customer limits are)",
                        "general_settings.store_model_in_db")
                .doesNotContain("litellm_settings.set_verbose", "litellm_settings.validate_end_user_id_in_db")
                .noneMatch(key -> key.startsWith("litellm_settings.num_retries"));
        assertThat(c.router().numRetries()).isEqualTo(2);
        assertThat(c.proxyBudget().enabled())
                .as("max_budget: 0 means none, as in LiteLLM")
                .isFalse();

        assertThat(c.models()).hasSize(4);
        ModelDeployment openai = c.models().get(0);
        assertThat(openai)
                .isEqualTo(new ModelDeployment(
                        "gpt-4o",
                        "openai",
                        "gpt-4o",
                        "https://api.openai.com/v1",
                        "sk-openai",
                        null,
                        null,
                        new ModelPrice(2_500_000, 10_000_000, 1_250_000, false, 16384),
                        null,
                        Duration.ofSeconds(30),
                        "gpt-4o-0",
                        new RoutingWeight(-1, 100, 100_000)));

        ModelDeployment azure = c.models().get(1);
        assertThat(azure.provider()).isEqualTo("azure");
        assertThat(azure.upstreamModel()).isEqualTo("my-gpt4o-deployment");
        assertThat(azure.apiKey()).isEqualTo("az-key");
        assertThat(azure.apiVersion()).isEqualTo("2024-10-21");
        assertThat(azure.regionName()).isEqualTo("eu");
        assertThat(azure.id()).isEqualTo("azure-eu");
        assertThat(azure.price()).isEqualTo(openai.price());
        assertThat(azure.timeout()).isEqualTo(Duration.ofSeconds(300)); // general request_timeout

        ModelDeployment vllm = c.models().get(2);
        assertThat(vllm.provider()).isEqualTo("hosted_vllm");
        assertThat(vllm.upstreamModel()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(vllm.price()).isEqualTo(new ModelPrice(100_000, 200_000, 50_000, false, 2048));
        assertThat(vllm.timeout()).isEqualTo(Duration.ofMillis(2500));

        ModelDeployment fake = c.models().get(3);
        assertThat(fake.provider()).isEqualTo("openai");
        assertThat(fake.upstreamModel()).isEqualTo("fake");
        assertThat(fake.isMock()).isTrue();
        assertThat(fake.mockResponse()).isEqualTo("hello");
        assertThat(fake.price()).isEqualTo(ModelPrice.FREE);
        assertThat(c.modelGroups().get("gpt-4o")).containsExactly(openai, azure);

        assertThat(c.litellm())
                .isEqualTo(new LitellmSettings("free-tier", ZoneId.of("Europe/Berlin"), true, false, 500));

        GeneralSettings g = c.general();
        assertThat(g)
                .isEqualTo(new GeneralSettings(
                        "sk-1234",
                        "postgresql://db/tollgate",
                        "redis://cache:6379",
                        "tg:",
                        List.of("webhook"),
                        List.of("budget_alerts"),
                        "https://hooks.example.com/tollgate",
                        "s3cret",
                        Duration.ofSeconds(5),
                        List.of("x-my-customer", "x-my-user"),
                        true,
                        TokenRateLimitType.TOTAL,
                        429,
                        256,
                        "least-busy",
                        false,
                        1_048_576,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(120),
                        Duration.ofSeconds(300),
                        Duration.ofSeconds(15),
                        Duration.ofSeconds(10),
                        new WebhookOptions(
                                List.of(new BigDecimal("0.5"), new BigDecimal("0.95")),
                                250,
                                4,
                                100,
                                Duration.ofSeconds(3)),
                        Duration.ofMillis(250),
                        null,
                        CustomerIdSource.DEFAULT_ORDER,
                        false,
                        Duration.ofSeconds(15),
                        null,
                        ScaleOptions.defaults(Duration.ofSeconds(5))));
        assertThat(g.webhookAlerting()).isTrue();
    }

    @Test
    void appliesDefaults() {
        TollgateConfig c = parse(minimal(""), Map.of());
        GeneralSettings g = c.general();
        assertThat(g)
                .isEqualTo(new GeneralSettings(
                        null,
                        null,
                        null,
                        "tg:",
                        List.of(),
                        List.of(),
                        null,
                        null,
                        Duration.ofSeconds(10),
                        List.of(),
                        false,
                        TokenRateLimitType.OUTPUT,
                        400,
                        1024,
                        "simple-shuffle",
                        true,
                        4_194_304,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(600),
                        Duration.ofSeconds(600),
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(30),
                        WebhookOptions.DEFAULTS,
                        Duration.ofMillis(250),
                        null,
                        CustomerIdSource.DEFAULT_ORDER,
                        false,
                        Duration.ofSeconds(60),
                        null,
                        ScaleOptions.defaults(Duration.ofSeconds(10))));
        assertThat(c.reservationTtl()).as("request_timeout + 60 s").isEqualTo(Duration.ofSeconds(660));
        assertThat(c.litellm()).isEqualTo(new LitellmSettings(null, ZoneOffset.UTC, false, false, 100));
        assertThat(c.models().get(0).timeout()).isEqualTo(Duration.ofSeconds(600));
    }

    @Test
    void rejectsWebhookThresholdsOutsideZeroToOne() {
        assertInvalid(
                minimal("general_settings:\n  webhook_thresholds: [0.85, 2]\n"),
                "general_settings.webhook_thresholds: expected fractions of the budget between 0 and 1 (exclusive), got 2;"
                        + " budget_crossed is always sent at 1");
        assertInvalid(
                minimal("general_settings:\n  webhook_thresholds: [eighty]\n"),
                "general_settings.webhook_thresholds: expected fractions of the budget between 0 and 1, got \"eighty\"");
    }

    @Test
    void emptySectionsAreFine() {
        TollgateConfig c = parse(minimal("general_settings:\nlitellm_settings:\nrouter_settings:\n"), Map.of());
        assertThat(c.general().tokenRateLimitType()).isEqualTo(TokenRateLimitType.OUTPUT);
    }

    @Test
    void environmentFallbacks() {
        Map<String, String> env = Map.of(
                "LITELLM_MASTER_KEY",
                "sk-env",
                "DATABASE_URL",
                "postgresql://env/db",
                "REDIS_HOST",
                "redis.internal",
                "REDIS_PORT",
                "6380",
                "REDIS_PASSWORD",
                "p@ss:w/rd",
                "WEBHOOK_URL",
                "https://hook.example.com",
                "PROXY_BATCH_WRITE_AT",
                "3");
        GeneralSettings g = parse(minimal(""), env).general();
        assertThat(g.masterKey()).isEqualTo("sk-env");
        assertThat(g.databaseUrl()).isEqualTo("postgresql://env/db");
        assertThat(g.redisUrl()).isEqualTo("redis://:p%40ss%3Aw%2Frd@redis.internal:6380");
        assertThat(g.webhookUrl()).isEqualTo("https://hook.example.com");
        assertThat(g.batchWriteInterval()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void redisUrlVariableWinsOverHostAndConfigWinsOverBoth() {
        Map<String, String> env = Map.of("REDIS_URL", "redis://url:1", "REDIS_HOST", "host");
        assertThat(parse(minimal(""), env).general().redisUrl()).isEqualTo("redis://url:1");
        assertThat(parse(minimal(""), Map.of("REDIS_HOST", "host")).general().redisUrl())
                .isEqualTo("redis://host:6379");
        assertThat(parse(minimal("general_settings:\n  redis_url: redis://cfg:2\n"), env)
                        .general()
                        .redisUrl())
                .isEqualTo("redis://cfg:2");
    }

    @Test
    void configBatchWriteWinsOverEnvironment() {
        assertThat(parse(minimal("general_settings:\n  proxy_batch_write_at: 7\n"), Map.of("PROXY_BATCH_WRITE_AT", "3"))
                        .general()
                        .batchWriteInterval())
                .isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> parse(minimal(""), Map.of("PROXY_BATCH_WRITE_AT", "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("PROXY_BATCH_WRITE_AT: expected a positive number of seconds, got \"soon\"");
    }

    @Test
    void resolvesEnvironmentReferencesAnywhere() {
        String yaml = """
                model_list:
                  - model_name: os.environ/NAME
                    litellm_params:
                      model: openai/gpt-4o
                      timeout: os.environ/TIMEOUT
                general_settings:
                  master_key: os.environ/MASTER
                  fail_open: os.environ/FAIL_OPEN
                  alerting: [os.environ/ALERT]
                """;
        TollgateConfig c = parse(
                yaml,
                Map.of("NAME", "public", "TIMEOUT", "42", "MASTER", "sk-m", "FAIL_OPEN", "false", "ALERT", "webhook"));
        assertThat(c.models().get(0).modelName()).isEqualTo("public");
        assertThat(c.models().get(0).timeout()).isEqualTo(Duration.ofSeconds(42));
        assertThat(c.general().masterKey()).isEqualTo("sk-m");
        assertThat(c.general().failOpen()).isFalse();
        assertThat(c.general().alerting()).containsExactly("webhook");
    }

    @Test
    void unsetEnvironmentVariableNamesTheKeyPath() {
        String yaml = """
                model_list:
                  - model_name: gpt-4o
                    litellm_params:
                      model: openai/gpt-4o
                      api_key: os.environ/OPENAI_API_KEY
                """;
        assertThatThrownBy(() -> parse(yaml, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model_list[0].litellm_params.api_key: environment variable OPENAI_API_KEY is not set");
    }

    @Test
    void userHeaderMappingsMayBeASingleMapping() {
        String yaml = minimal("""
                general_settings:
                  user_header_mappings:
                    header_name: X-Customer
                    litellm_user_role: customer
                """);
        assertThat(parse(yaml).general().customerHeaders()).containsExactly("x-customer");
    }

    @Test
    void customerIdSourcesSetTheOrderAndRequireCustomerIdIsRead() {
        GeneralSettings g = parse(minimal("""
                general_settings:
                  customer_id_sources: [safety_identifier, User, header]
                  require_customer_id: true
                """)).general();
        assertThat(g.customerIdSources())
                .containsExactly(CustomerIdSource.SAFETY_IDENTIFIER, CustomerIdSource.USER, CustomerIdSource.HEADER);
        assertThat(g.requireCustomerId()).isTrue();
    }

    @Test
    void customerIdSourcesMustBeKnownDistinctAndNonEmpty() {
        assertThatThrownBy(() -> parse(minimal("general_settings:\n  customer_id_sources: [user, email]\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("general_settings.customer_id_sources: unknown source \"email\"; expected distinct names"
                        + " among header, user, safety_identifier, metadata");
        assertThatThrownBy(() -> parse(minimal("general_settings:\n  customer_id_sources: [user, user]\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("\"user\" is listed twice");
        assertThatThrownBy(() -> parse(minimal("general_settings:\n  customer_id_sources: []\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("must name at least one source");
    }

    @Test
    void requestTimeoutMayComeFromLitellmSettings() {
        TollgateConfig c = parse(minimal("litellm_settings:\n  request_timeout: 45\n"));
        assertThat(c.general().requestTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.models().get(0).timeout()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void collectsUnknownKeysWithTheirPaths() {
        String yaml = """
                model_list:
                  - model_name: gpt-4o
                    litellm_params:
                      model: openai/gpt-4o
                      fancy_param: 1
                    model_info:
                      colour: blue
                general_settings:
                  master_kee: sk-typo
                litellm_settings:
                  mystery: true
                shiny_new_section: {}
                """;
        LoadedConfig loaded = ConfigLoader.read(yaml, ENV, "test.yaml");
        assertThat(loaded.unknownKeys())
                .containsExactlyInAnyOrder(
                        "shiny_new_section",
                        "general_settings.master_kee",
                        "litellm_settings.mystery",
                        "model_list[0].litellm_params.fancy_param",
                        "model_list[0].model_info.colour");
    }

    @Test
    void logsUnknownKeysOnceAsAWarning() {
        Logger logger = (Logger) LoggerFactory.getLogger(ConfigLoader.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            parse(minimal("general_settings:\n  foo: 1\n  bar: 2\n"));
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).hasSize(1);
        ILoggingEvent event = appender.list.get(0);
        assertThat(event.getLevel()).isEqualTo(Level.WARN);
        assertThat(event.getFormattedMessage())
                .isEqualTo("test.yaml: ignoring unknown config keys: general_settings.foo, general_settings.bar");
    }

    @Test
    void deprecatedMaxEndUserBudgetIsNamedAmongTheKeysWithoutEffect() {
        LoadedConfig loaded = ConfigLoader.read(minimal("litellm_settings:\n  max_end_user_budget: 10.5\n"), ENV, "t");
        assertThat(loaded.unknownKeys()).isEmpty();
        assertThat(loaded.noEffectKeys())
                .singleElement()
                .asString()
                .startsWith("litellm_settings.max_end_user_budget (deprecated in LiteLLM and not enforced")
                .contains("max_end_user_budget_id");
    }

    @Test
    void unsupportedLitellmRoutingStrategyFallsBackWithAWarning() {
        LoadedConfig loaded =
                ConfigLoader.read(minimal("router_settings:\n  routing_strategy: latency-based-routing\n"), ENV, "t");
        assertThat(loaded.config().general().routingStrategy()).isEqualTo("simple-shuffle");
        assertThat(loaded.warnings()).singleElement().asString().startsWith("router_settings.routing_strategy:");
    }

    @Test
    void usageBasedRoutingEnforcesDeploymentRpmAndTpm() {
        String models = """
                model_list:
                  - model_name: gpt-4o
                    rpm: 10
                    litellm_params: {model: openai/gpt-4o, tpm: 1000}
                """;
        for (String strategy : new String[] {"usage-based-routing-v2", "usage-based-routing"}) {
            LoadedConfig loaded =
                    ConfigLoader.read(models + "router_settings:\n  routing_strategy: " + strategy + "\n", ENV, "t");
            assertThat(loaded.config().general().routingStrategy()).isEqualTo("usage-based-routing-v2");
            assertThat(loaded.config().general().usageBasedRouting()).isTrue();
            assertThat(loaded.warnings()).isEmpty();
            assertThat(loaded.noEffectKeys()).isEmpty();
            assertThat(loaded.unknownKeys()).isEmpty();
            assertThat(loaded.config().models().get(0).routing().rpm()).isEqualTo(10);
            assertThat(loaded.config().models().get(0).routing().tpm()).isEqualTo(1000);
        }
        // Under any other strategy they only weigh simple-shuffle, and the warning says so.
        assertThat(ConfigLoader.read(models, ENV, "t").noEffectKeys())
                .anyMatch(k -> k.startsWith("model_list[*].rpm (deployment rpm/tpm are not enforced unless"));
    }

    @Test
    void customerCacheRefreshIsOffByDefaultAndTakesWholeSeconds() {
        assertThat(parse(minimal(""), Map.of()).general().scale().customerCacheRefresh())
                .as("events only")
                .isEqualTo(Duration.ZERO);
        assertThat(parse(minimal("general_settings:\n  customer_cache_refresh_seconds: 300\n"))
                        .general()
                        .scale()
                        .customerCacheRefresh())
                .isEqualTo(Duration.ofSeconds(300));
        assertInvalid(
                minimal("general_settings:\n  customer_cache_refresh_seconds: -5\n"),
                "general_settings.customer_cache_refresh_seconds: expected a non-negative integer, got -5");
    }

    @Test
    void reservationTtlIsConfiguredOrDerivedFromTheLongestCall() {
        TollgateConfig configured = parse(minimal("general_settings:\n  reservation_ttl_seconds: 900\n"));
        assertThat(configured.general().reservationTtl()).isEqualTo(Duration.ofSeconds(900));
        assertThat(configured.reservationTtl()).isEqualTo(Duration.ofSeconds(900));

        // A deployment allowed to run longer than request_timeout sets the bound.
        TollgateConfig derived = parse("""
                general_settings:
                  request_timeout: 120
                model_list:
                  - model_name: slow
                    litellm_params:
                      model: openai/gpt-4o
                      timeout: 1800
                  - model_name: fast
                    litellm_params:
                      model: openai/gpt-4o-mini
                """);
        assertThat(derived.general().reservationTtl()).isNull();
        assertThat(derived.reservationTtl()).isEqualTo(Duration.ofSeconds(1860));

        assertInvalid(
                minimal("general_settings:\n  reservation_ttl_seconds: 0\n"),
                "general_settings.reservation_ttl_seconds: expected a positive number of seconds, got 0");
    }

    @Test
    void aReservationTtlShorterThanACallWarns() {
        LoadedConfig loaded =
                ConfigLoader.read(minimal("general_settings:\n  reservation_ttl_seconds: 300\n"), ENV, "t");
        assertThat(loaded.warnings())
                .singleElement()
                .asString()
                .startsWith(
                        "general_settings.reservation_ttl_seconds (300 s) does not exceed the longest call timeout (600 s)");
        assertThat(loaded.config().reservationTtl()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, minimal(""));
        assertThat(ConfigLoader.load(file, Map.of()).models()).hasSize(1);
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing.yaml: cannot read config");
    }

    // ---- invalid configurations: every message starts with the key path ----

    @Test
    void emptyOrModelLessConfigsAreRejected() {
        assertThatThrownBy(() -> parse("")).isInstanceOf(ConfigException.class).hasMessageStartingWith("model_list:");
        assertThatThrownBy(() -> parse("# only a comment\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model_list:");
        assertInvalid("general_settings:\n  master_key: sk-1\n", "model_list: at least one model is required");
        assertInvalid("model_list: []\n", "model_list: at least one model is required");
        assertInvalid("model_list: gpt-4o\n", "model_list: expected a list, got \"gpt-4o\"");
        assertInvalid("model_list:\n  - gpt-4o\n", "model_list[0]: expected a mapping, got \"gpt-4o\"");
    }

    @Test
    void malformedYamlIsRejected() {
        assertThatThrownBy(() -> parse("model_list: [\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("test.yaml: invalid YAML");
        assertThatThrownBy(() -> parse(minimal("general_settings: {}\ngeneral_settings: {}\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("test.yaml: invalid YAML");
    }

    @Test
    void modelsNeedANameAndAnUpstreamModel() {
        assertInvalid(
                "model_list:\n  - litellm_params:\n      model: openai/gpt-4o\n",
                "model_list[0].model_name: is required");
        assertInvalid("model_list:\n  - model_name: x\n", "model_list[0].litellm_params.model: is required");
        assertInvalid(
                "model_list:\n  - model_name: x\n    litellm_params:\n      api_base: http://a\n",
                "model_list[0].litellm_params.model: is required");
        assertInvalid(
                "model_list:\n  - model_name: x\n    litellm_params:\n      model: openai/\n",
                "model_list[0].litellm_params.model: expected <provider>/<model>, got \"openai/\"");
        assertInvalid(
                "model_list:\n  - model_name: x\n    litellm_params: nope\n",
                "model_list[0].litellm_params: expected a mapping, got \"nope\"");
    }

    @Test
    void invalidGeneralSettingsNameTheirPath() {
        assertInvalid(
                minimal("general_settings:\n  proxy_batch_write_at: abc\n"),
                "general_settings.proxy_batch_write_at: expected a positive number of seconds, got \"abc\"");
        assertInvalid(
                minimal("general_settings:\n  upstream_read_timeout: -1\n"),
                "general_settings.upstream_read_timeout: expected a positive number of seconds, got -1");
        assertInvalid(
                minimal("general_settings:\n  client_idle_timeout: 0\n"),
                "general_settings.client_idle_timeout: expected a positive number of seconds, got 0");
        assertInvalid(
                minimal("general_settings:\n  token_rate_limit_type: words\n"),
                "general_settings.token_rate_limit_type: expected one of output, input, total, got \"words\"");
        assertInvalid(
                minimal("general_settings:\n  budget_exceeded_status: 402\n"),
                "general_settings.budget_exceeded_status: expected 400 or 429, got 402");
        assertInvalid(
                minimal("general_settings:\n  enforce_user_param: maybe\n"),
                "general_settings.enforce_user_param: expected true or false, got \"maybe\"");
        assertInvalid(
                minimal("general_settings:\n  max_request_body_bytes: 0\n"),
                "general_settings.max_request_body_bytes: expected a positive integer, got 0");
        assertInvalid(
                minimal("general_settings:\n  default_reserve_tokens: 1.5\n"),
                "general_settings.default_reserve_tokens: expected a non-negative integer, got 1.5");
        assertInvalid(
                minimal("general_settings:\n  master_key: [a, b]\n"),
                "general_settings.master_key: expected a string, got [\"a\",\"b\"]");
        assertInvalid(minimal("general_settings: 5\n"), "general_settings: expected a mapping, got 5");
        assertInvalid(
                minimal("general_settings:\n  user_header_mappings:\n    - header_name: x-c\n"),
                "general_settings.user_header_mappings[0].litellm_user_role: is required");
        assertInvalid(
                minimal("router_settings:\n  routing_strategy: random\n"),
                "router_settings.routing_strategy: expected one of simple-shuffle, round-robin, least-busy,"
                        + " usage-based-routing-v2, got \"random\"");
    }

    @Test
    void invalidLitellmSettingsNameTheirPath() {
        assertInvalid(
                minimal("litellm_settings:\n  timezone: Mars/Olympus\n"),
                "litellm_settings.timezone: unknown time zone \"Mars/Olympus\"; use a region id such as Europe/Berlin or UTC");
        assertInvalid(
                minimal("litellm_settings:\n  prometheus_end_user_cap: -5\n"),
                "litellm_settings.prometheus_end_user_cap: expected a non-negative integer, got -5");
    }

    @Test
    void invalidDeploymentValuesNameTheirPath() {
        String base = "model_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n";
        assertInvalid(
                base + "      timeout: soon\n",
                "model_list[0].litellm_params.timeout: expected a positive number of seconds, got \"soon\"");
        assertInvalid(
                base + "    model_info:\n      free: sometimes\n",
                "model_list[0].model_info.free: expected true or false, got \"sometimes\"");
        assertInvalid(
                base
                        + "  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n    model_info:\n      id: gpt-4o-0\n",
                "model_list[1].model_info.id: duplicate id \"gpt-4o-0\" (also used by model_list[0])");
    }
}
