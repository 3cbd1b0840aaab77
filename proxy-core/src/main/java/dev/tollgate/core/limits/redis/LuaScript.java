package dev.tollgate.core.limits.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** One Lua script from {@code src/main/resources/lua/}, with its SHA1 digest for EVALSHA. */
record LuaScript(String name, String source, String sha) {

    /** Reads {@code /lua/<name>.lua}; {@code digest} computes the SHA1 (Lettuce does it locally). */
    static LuaScript load(String name, Function<String, String> digest) {
        String path = "/lua/" + name + ".lua";
        try (InputStream in = LuaScript.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing script on the classpath: " + path);
            }
            String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new LuaScript(name, source, digest.apply(source));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
