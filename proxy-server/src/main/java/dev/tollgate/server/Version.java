package dev.tollgate.server;

/** The build's version, from the jar manifest when packaged. */
final class Version {
    static final String VALUE = version();

    private Version() {}

    private static String version() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
