package dev.tollgate.testing.services;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A PostgreSQL server and a role on it, from {@code postgresql://user[:password]@host[:port]/database}
 * ({@code postgres://} and {@code jdbc:postgresql://host:port/database?user=..&password=..} too).
 * The database in the URL is where the role connects to create and drop test databases
 * ({@code postgres} when absent); every URL this hands out points at another database on the same
 * server, in the form a test needs: JDBC, or Tollgate's {@code database_url}.
 */
record PostgresAddress(String host, int port, String user, String password, String database, String query) {
    static PostgresAddress parse(String url) {
        String u = url.trim();
        boolean jdbc = u.startsWith("jdbc:");
        if (jdbc) {
            u = u.substring("jdbc:".length());
        }
        URI uri;
        try {
            uri = URI.create(u);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PostgreSQL URL: " + e.getMessage());
        }
        if (!("postgresql".equals(uri.getScheme()) || !jdbc && "postgres".equals(uri.getScheme()))
                || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "expected postgresql://user:password@host:port/database, got '" + redact(url) + "'");
        }
        String user = null;
        String password = null;
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        List<String> rest = new ArrayList<>();
        if (uri.getRawQuery() != null) {
            for (String param : uri.getRawQuery().split("&")) {
                if (param.startsWith("user=")) {
                    user = decode(param.substring(5));
                } else if (param.startsWith("password=")) {
                    password = decode(param.substring(9));
                } else if (!param.isEmpty()) {
                    rest.add(param);
                }
            }
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        return new PostgresAddress(
                uri.getHost(),
                uri.getPort() == -1 ? 5432 : uri.getPort(),
                user,
                password,
                path.isEmpty() ? "postgres" : path,
                String.join("&", rest));
    }

    /** {@code jdbc:postgresql://host:port/<database>?user=..&password=..}: one string, for DriverManager. */
    String jdbcUrl(String db) {
        List<String> params = new ArrayList<>();
        if (user != null) {
            params.add("user=" + encode(user));
        }
        if (password != null) {
            params.add("password=" + encode(password));
        }
        if (!query.isEmpty()) {
            params.add(query);
        }
        return "jdbc:postgresql://" + hostPort() + "/" + db + (params.isEmpty() ? "" : "?" + String.join("&", params));
    }

    /** {@code postgresql://user:password@host:port/<database>}: a Tollgate {@code database_url}. */
    String databaseUrl(String db) {
        String info = user == null ? "" : encode(user) + (password == null ? "" : ":" + encode(password)) + "@";
        return "postgresql://" + info + hostPort() + "/" + db + (query.isEmpty() ? "" : "?" + query);
    }

    /** For messages: the admin URL without its password. */
    String redacted() {
        return redact(databaseUrl(database));
    }

    /** A connection to {@code db} that gives up after {@code timeoutSeconds} when nothing answers. */
    Connection connect(String db, int timeoutSeconds) throws SQLException {
        Properties p = new Properties();
        p.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        p.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
        p.setProperty("socketTimeout", Integer.toString(Math.max(30, timeoutSeconds)));
        return DriverManager.getConnection(jdbcUrl(db), p);
    }

    /** Runs one statement on the admin database (CREATE/DROP DATABASE). */
    void execute(String sql) throws SQLException {
        try (Connection c = connect(database, 10);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Returns normally when the server accepts this role; otherwise says why. */
    void probe() throws SQLException {
        try (Connection c = connect(database, 2);
                Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    private String hostPort() {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    static String redact(String url) {
        return url.replaceAll("//([^/@]*:)[^/@]*@", "//$1***@").replaceAll("password=[^&]*", "password=***");
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
