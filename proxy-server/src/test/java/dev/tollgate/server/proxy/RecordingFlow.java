package dev.tollgate.server.proxy;

import dev.tollgate.server.upstream.UpstreamFlow;

/** The upstream side of a relay in handler-level tests: counts what the relay asked of the upstream. */
final class RecordingFlow implements UpstreamFlow {
    int pauses;
    int resumes;
    int cancels;
    boolean paused;

    @Override
    public void pause() {
        pauses++;
        paused = true;
    }

    @Override
    public void resume() {
        resumes++;
        paused = false;
    }

    @Override
    public void cancel() {
        cancels++;
    }
}
