package dev.tollgate.testing.services;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the installed programs that tests run live: the directories of {@code PATH}, then where
 * PostgreSQL packages put their server binaries ({@code /usr/lib/postgresql/<version>/bin}, newest
 * first, as Debian does not link {@code initdb} and {@code pg_ctl} into {@code PATH}).
 */
public final class Programs {
    private final List<Path> dirs;
    private final String description;

    private Programs(List<Path> dirs, String description) {
        this.dirs = List.copyOf(dirs);
        this.description = description;
    }

    /** The programs installed on this machine. */
    public static Programs installed() {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        dirs.addAll(postgresqlVersionDirs(Path.of("/usr/lib/postgresql")));
        dirs.add(Path.of("/usr/local/pgsql/bin"));
        return new Programs(dirs, "PATH, /usr/lib/postgresql/*/bin or /usr/local/pgsql/bin");
    }

    /** Only the programs in these directories (none for an empty list). */
    public static Programs in(List<Path> dirs) {
        return new Programs(
                dirs,
                dirs.isEmpty()
                        ? "(no directories)"
                        : dirs.stream().map(Path::toString).collect(Collectors.joining(", ")));
    }

    /** The first executable called {@code name} in the search directories. */
    public Optional<Path> find(String name) {
        return dirs.stream()
                .map(d -> d.resolve(name))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** The first directory that holds both {@code initdb} and {@code pg_ctl}. */
    public Optional<Path> postgresBin() {
        return dirs.stream()
                .filter(d -> Files.isExecutable(d.resolve("initdb")) && Files.isExecutable(d.resolve("pg_ctl")))
                .findFirst();
    }

    /** Whether every one of these programs is installed. */
    public boolean haveAll(String... names) {
        return Stream.of(names).allMatch(n -> find(n).isPresent());
    }

    /** For messages: where programs were looked for. */
    public String searched() {
        return dirs.isEmpty()
                ? "(no directories)"
                : dirs.stream().map(Path::toString).collect(Collectors.joining(":"));
    }

    private static List<Path> postgresqlVersionDirs(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .sorted(Comparator.comparingDouble((Path v) ->
                                    Double.parseDouble(v.getFileName().toString()))
                            .reversed())
                    .map(v -> v.resolve("bin"))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
