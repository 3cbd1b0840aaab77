package dev.tollgate.server.auth;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

/**
 * Checks the proxy key ({@code general_settings.master_key}) on every protected route. The key
 * may come as {@code Authorization: Bearer}, {@code x-litellm-api-key}, {@code api-key} or
 * {@code x-api-key}. Keys are compared as SHA-256 digests with {@link MessageDigest#isEqual},
 * so the time taken does not depend on how much of a guess matches. Without a master key every
 * call is allowed, as in LiteLLM. Messages follow LiteLLM's texts. A key header sent twice is a
 * 400, whatever the values.
 */
public final class MasterKeyAuth {
    /** LiteLLM's actor name for master-key calls (created_by / updated_by). */
    public static final String ADMIN_ACTOR = "default_user_id";

    private final byte[] masterDigest;
    /** The master key's token (hex digest), formatted once instead of on every call. */
    private final String masterToken;

    public MasterKeyAuth(String masterKey) {
        this.masterDigest = masterKey == null || masterKey.isEmpty() ? null : sha256(masterKey);
        this.masterToken = masterDigest == null ? null : HexFormat.of().formatHex(masterDigest);
    }

    /** The token (SHA-256 hex) of {@code masterKey}, or an empty string without one. */
    public static String tokenOf(String masterKey) {
        return masterKey == null || masterKey.isEmpty() ? "" : HexFormat.of().formatHex(sha256(masterKey));
    }

    public boolean enabled() {
        return masterDigest != null;
    }

    /**
     * Returns the SHA-256 hex of the presented key (the LiteLLM {@code token}), or null when no
     * key is configured and none was sent; throws a 401 when the key is missing or wrong.
     */
    public String check(HttpHeaders headers) {
        String key = presentedKey(headers);
        if (masterDigest == null) {
            return key == null ? null : HexFormat.of().formatHex(sha256(key));
        }
        if (key == null) {
            throw unauthorized("No api key passed in.");
        }
        byte[] digest = sha256(key);
        if (!MessageDigest.isEqual(digest, masterDigest)) {
            if (!key.startsWith("sk-")) {
                throw unauthorized(
                        "LiteLLM Virtual Key expected. Received=" + mask(key) + ", expected to start with 'sk-'.");
            }
            String hash = HexFormat.of().formatHex(digest);
            throw unauthorized(
                    "Invalid proxy server token passed. Received API Key = " + mask(key) + ", Key Hash (Token) =" + hash
                            + ". Unable to find token in cache or `LiteLLM_VerificationTokenTable`");
        }
        return masterToken;
    }

    private static final String[] KEY_HEADERS = {"authorization", "x-litellm-api-key", "api-key", "x-api-key"};

    private static String presentedKey(HttpHeaders headers) {
        for (String name : KEY_HEADERS) {
            requireAtMostOne(headers, name);
        }
        String auth = headers.get("authorization");
        if (auth != null && !auth.isBlank()) {
            if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                String k = auth.substring(7).trim();
                return k.isEmpty() ? null : k;
            }
            throw unauthorized(
                    "Malformed API Key passed in. Ensure Key has `Bearer ` prefix. Passed in: " + mask(auth));
        }
        for (int i = 1; i < KEY_HEADERS.length; i++) {
            String v = headers.get(KEY_HEADERS[i]);
            if (v != null && !v.isBlank()) {
                String k = v.trim();
                return k.regionMatches(true, 0, "Bearer ", 0, 7)
                        ? k.substring(7).trim()
                        : k;
            }
        }
        return null;
    }

    /**
     * Two copies of a key header are ambiguous (a proxy in front may have added one): which key
     * was meant cannot be told, so the request is refused rather than served with the first.
     */
    private static void requireAtMostOne(HttpHeaders headers, String name) {
        Iterator<String> values = headers.valueStringIterator(name);
        if (values.hasNext()) {
            values.next();
            if (values.hasNext()) {
                throw new TollgateException(
                        ErrorKind.INVALID_REQUEST,
                        "Multiple " + name + " headers: send the key in exactly one header.",
                        name);
            }
        }
    }

    /** Shows only the start and end of a key in messages and logs. */
    static String mask(String key) {
        if (key.length() <= 8) {
            return "*".repeat(key.length());
        }
        return key.substring(0, 4) + "*".repeat(Math.min(8, key.length() - 8)) + key.substring(key.length() - 4);
    }

    private static TollgateException unauthorized(String reason) {
        return new TollgateException(
                ErrorKind.AUTHENTICATION, "Authentication Error, " + reason, "None", 401, Map.of());
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
