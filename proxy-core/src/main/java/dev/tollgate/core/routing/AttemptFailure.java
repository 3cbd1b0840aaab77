package dev.tollgate.core.routing;

import java.util.Locale;

/** Why one upstream attempt failed, as far as retries, fallbacks and cooldowns care. */
public enum AttemptFailure {
    /** 429 from the upstream. */
    RATE_LIMITED(true),
    /** 5xx from the upstream. */
    SERVER_ERROR(true),
    /** Connection refused, reset or closed before the answer started. */
    CONNECTION(true),
    /** Connect, first-byte or total timeout, or a 408. */
    TIMEOUT(true),
    /**
     * 401, 403 or 404 from the upstream: this deployment's key or model is wrong. Retrying it is
     * pointless, but another model group may answer, and the deployment cools down.
     */
    DEPLOYMENT_ERROR(false),
    /** A 400 saying the prompt does not fit the model's context window. */
    CONTEXT_WINDOW(false),
    /** A 400 saying the provider's content policy refused the prompt. */
    CONTENT_POLICY(false),
    /** Anything else (a client error such as a bad parameter, a malformed answer): final. */
    OTHER(false);

    private final boolean retryable;

    AttemptFailure(boolean retryable) {
        this.retryable = retryable;
    }

    /**
     * Worth another attempt of the same model group: the same request may succeed on another try or
     * another deployment.
     */
    public boolean retryable() {
        return retryable;
    }

    /** Says something about the deployment rather than the request: counts towards its cooldown. */
    public boolean blamesDeployment() {
        return retryable || this == DEPLOYMENT_ERROR;
    }

    /**
     * Classifies an upstream error answer by its status and, for a 400, its OpenAI error
     * {@code code} and {@code message} (providers word context-length and content-policy errors
     * differently; these are the phrases LiteLLM itself matches).
     */
    public static AttemptFailure ofAnswer(int status, String code, String message) {
        if (status == 429) {
            return RATE_LIMITED;
        }
        if (status == 408) {
            return TIMEOUT;
        }
        if (status >= 500) {
            return SERVER_ERROR;
        }
        if (status == 401 || status == 403 || status == 404) {
            return DEPLOYMENT_ERROR;
        }
        if (status == 400) {
            String c = code == null ? "" : code.toLowerCase(Locale.ROOT);
            String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
            if (c.equals("context_length_exceeded")
                    || m.contains("maximum context length")
                    || m.contains("context length exceeded")
                    || m.contains("context_length_exceeded")
                    || m.contains("prompt is too long")) {
                return CONTEXT_WINDOW;
            }
            if (c.equals("content_policy_violation")
                    || c.equals("content_filter")
                    || m.contains("content_policy_violation")
                    || m.contains("content management policy")) {
                return CONTENT_POLICY;
            }
        }
        return OTHER;
    }
}
