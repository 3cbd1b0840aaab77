package dev.tollgate.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version: {@code version.properties}, filled in by the build, beside this class. */
final class Version {
    static final String VALUE = version();

    private Version() {}

    private static String version() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.startsWith("${")) {
                    return v.strip();
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
