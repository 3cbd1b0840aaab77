package dev.tollgate.testing.anthropic;

/** What {@link FakeAnthropic} answers; mutable between calls (read once per request). */
public final class FakeAnthropicOptions {
    /** How the fake misbehaves. */
    public enum Failure {
        NONE,
        /** Answer every request with {@code errorStatus} and an error of {@code errorType}. */
        HTTP_ERROR,
        /** Stream {@code failAfterPieces} text deltas, then close the connection without ending the response. */
        CUT_MID_STREAM,
        /** Stream {@code failAfterPieces} text deltas, then an {@code error} event ({@code errorType}), then end. */
        ERROR_MID_STREAM
    }

    private volatile int inputTokens = 25;
    private volatile int cacheReadTokens;
    private volatile int cacheWriteTokens;
    private volatile int outputTokens = 12;
    private volatile int textPieces = 4;
    private volatile Failure failure = Failure.NONE;
    private volatile int errorStatus = 529;
    private volatile String errorType = "overloaded_error";
    private volatile int failAfterPieces = 2;

    public static FakeAnthropicOptions defaults() {
        return new FakeAnthropicOptions();
    }

    public FakeAnthropicOptions usage(int input, int cacheRead, int cacheWrite, int output) {
        this.inputTokens = input;
        this.cacheReadTokens = cacheRead;
        this.cacheWriteTokens = cacheWrite;
        this.outputTokens = output;
        return this;
    }

    public FakeAnthropicOptions textPieces(int n) {
        this.textPieces = n;
        return this;
    }

    public FakeAnthropicOptions failure(Failure f) {
        this.failure = f;
        return this;
    }

    public FakeAnthropicOptions error(int status, String type) {
        this.errorStatus = status;
        this.errorType = type;
        return this;
    }

    public FakeAnthropicOptions failAfterPieces(int n) {
        this.failAfterPieces = n;
        return this;
    }

    int inputTokens() {
        return inputTokens;
    }

    int cacheReadTokens() {
        return cacheReadTokens;
    }

    int cacheWriteTokens() {
        return cacheWriteTokens;
    }

    int outputTokens() {
        return outputTokens;
    }

    int textPieces() {
        return textPieces;
    }

    Failure failure() {
        return failure;
    }

    int errorStatus() {
        return errorStatus;
    }

    String errorType() {
        return errorType;
    }

    int failAfterPieces() {
        return failAfterPieces;
    }

    /** The text the fake answers with: {@code Hello} and then numbered words, one per piece. */
    public static String piece(int i) {
        return i == 0 ? "Hello" : " word" + i;
    }
}
