package dev.tollgate.admin.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    /** The example of the Standard Webhooks reference libraries (secret, id, timestamp, body → signature). */
    @Test
    void matchesTheStandardWebhooksExample() {
        WebhookSigner s = new WebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        String sig = s.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}");
        assertThat(sig).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void rawSecretsAreUsedAsUtf8BytesAndVerifyRejectsTampering() throws Exception {
        WebhookSigner s = new WebhookSigner("s3cret");
        String body = "{\"spend\":0.001}";
        String sig = s.sign("evt_1", 1700000000, body);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "v1,"
                + Base64.getEncoder()
                        .encodeToString(
                                mac.doFinal("evt_1.1700000000.{\"spend\":0.001}".getBytes(StandardCharsets.UTF_8)));
        assertThat(sig).isEqualTo(expected);
        assertThat(s.verify("evt_1", 1700000000, body, "v1,AAAA " + sig)).isTrue();
        assertThat(s.verify("evt_1", 1700000001, body, sig)).isFalse();
        assertThat(s.verify("evt_2", 1700000000, body, sig)).isFalse();
        assertThat(s.verify("evt_1", 1700000000, body + " ", sig)).isFalse();
        assertThat(new WebhookSigner("other").verify("evt_1", 1700000000, body, sig))
                .isFalse();
    }

    @Test
    void backoffGrowsFourfoldWithBoundedJitterAndACap() {
        assertThat(WebhookDelivery.backoffMs(100, 1, 0.0)).isEqualTo(80);
        assertThat(WebhookDelivery.backoffMs(100, 1, 0.999)).isBetween(119L, 120L);
        assertThat(WebhookDelivery.backoffMs(100, 2, 0.5)).isEqualTo(400);
        assertThat(WebhookDelivery.backoffMs(100, 3, 0.5)).isEqualTo(1600);
        assertThat(WebhookDelivery.backoffMs(5_000, 30, 0.5)).isEqualTo(6 * 3600_000L);
    }
}
