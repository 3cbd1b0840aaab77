package dev.tollgate.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs {@link LeakGuard} when a JUnit session opens, before any test class runs, so every
 * test JVM that has bench on its classpath (bench and proxy-server tests) records Netty leak
 * reports from the first buffer on. Test classes then call {@link LeakGuard#assertNoLeaks()}.
 */
public final class LeakGuardSession implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LeakGuard.install();
    }
}
