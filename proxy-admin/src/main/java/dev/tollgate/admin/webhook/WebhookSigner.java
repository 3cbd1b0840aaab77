package dev.tollgate.admin.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code webhook-signature: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>}.
 * A secret written {@code whsec_<base64>} uses the decoded bytes as the key (the Standard
 * Webhooks format); any other secret is used as its UTF-8 bytes.
 */
public final class WebhookSigner {
    private static final String PREFIX = "whsec_";
    private final byte[] key;

    public WebhookSigner(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("webhook secret must not be empty");
        }
        this.key = keyBytes(secret);
    }

    static byte[] keyBytes(String secret) {
        if (secret.startsWith(PREFIX)) {
            try {
                return Base64.getDecoder().decode(secret.substring(PREFIX.length()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("webhook_secret starts with whsec_ but the rest is not base64", e);
            }
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    /** The header value {@code v1,<base64>} for one attempt. */
    public String sign(String id, long timestampSeconds, String body) {
        return "v1," + Base64.getEncoder().encodeToString(hmac(id + "." + timestampSeconds + "." + body));
    }

    /** Receiver side: whether any {@code v1,} signature in the (space-separated) header matches. Constant time per candidate. */
    public boolean verify(String id, long timestampSeconds, String body, String header) {
        if (header == null) {
            return false;
        }
        byte[] expected = hmac(id + "." + timestampSeconds + "." + body);
        for (String part : header.trim().split(" ")) {
            if (!part.startsWith("v1,")) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(part.substring(3));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(expected, given)) {
                return true;
            }
        }
        return false;
    }

    private byte[] hmac(String content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
