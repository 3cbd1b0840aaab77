package dev.tollgate.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns Netty's leak reports (which are only log lines) into test failures. Install it before the
 * first ByteBuf class loads, because the buffer leak detector is created once in a static field.
 */
public final class LeakGuard {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final AtomicInteger DETECTORS = new AtomicInteger();
    private static boolean installed;

    private LeakGuard() {}

    public static synchronized void install() {
        if (!installed) {
            ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
            installed = true;
        }
    }

    /** Collects garbage and lets the detector drain its queue; fails on any reported leak. */
    public static void assertNoLeaks() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
            // Allocation is what makes the detector poll for collected, unreleased buffers.
            ByteBufAllocator.DEFAULT.buffer(8).release();
        }
        if (DETECTORS.get() == 0) {
            throw new AssertionError("LeakGuard was installed too late to see buffers");
        }
        if (!LEAKS.isEmpty()) {
            throw new AssertionError("Netty leak reports:\n" + String.join("\n", LEAKS));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            DETECTORS.incrementAndGet();
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(resourceType + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(resourceType);
            super.reportUntracedLeak(resourceType);
        }
    }
}
