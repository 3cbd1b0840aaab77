package dev.tollgate.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where each top-level member of a JSON object sits in its bytes, so a body can be rewritten by
 * splicing: members are copied as the client sent them, a few are replaced or dropped. Offsets
 * come from the streaming parser (the start of each member's name, and of the closing brace); a
 * member runs from its name to the comma before the next one, which is found by trimming
 * whitespace and one comma backwards. Between a value and the next name only whitespace and that
 * comma can appear, so the trim is exact. Offsets count from the body's first readable byte.
 */
final class MemberOffsets {
    private final ByteBuf json;
    /** The body's reader index: offset 0. */
    private final int base;

    private String[] names = new String[16];
    private int[] starts = new int[17];
    private int count;

    MemberOffsets(ByteBuf json) {
        this.json = json;
        this.base = json.readerIndex();
    }

    void nameAt(String name, int offset) {
        if (count == names.length) {
            names = Arrays.copyOf(names, count * 2);
            starts = Arrays.copyOf(starts, count * 2 + 1);
        }
        names[count] = name;
        starts[count++] = offset;
    }

    /** The offset of the object's closing brace. */
    void endAt(int offset) {
        starts[count] = offset;
    }

    String[] names() {
        return Arrays.copyOf(names, count);
    }

    /** {@code "name":value} as bytes; {@code name} must need no JSON escaping. */
    static byte[] member(String name, byte[] value) {
        byte[] head = ("\"" + name + "\":").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(head, head.length + value.length);
        System.arraycopy(value, 0, out, head.length, value.length);
        return out;
    }

    /**
     * The object with every {@code model} member replaced by the single {@code modelMember} (at
     * the place of the first), {@code mock_response} dropped and, when {@code streamOptionsMember}
     * is not null, every {@code stream_options} member replaced by it (at the end). Members kept
     * as sent are slices of the body, not copies ({@link BodyComposer}); the result is the
     * caller's to release.
     */
    ByteBuf splice(ByteBufAllocator alloc, byte[] modelMember, byte[] streamOptionsMember) {
        // Each member can take a slice and a small buffer before it; plus the closing pieces.
        BodyComposer out = new BodyComposer(alloc, 2 * count + 4);
        try {
            out.add((byte) '{');
            boolean first = true;
            boolean modelWritten = false;
            for (int i = 0; i < count; i++) {
                String name = names[i];
                byte[] replacement = null;
                if (name.equals("model")) {
                    if (modelWritten) {
                        continue;
                    }
                    modelWritten = true;
                    replacement = modelMember;
                } else if (name.equals("mock_response")
                        || (streamOptionsMember != null && name.equals("stream_options"))) {
                    continue;
                }
                if (!first) {
                    out.add((byte) ',');
                }
                first = false;
                if (replacement != null) {
                    out.add(replacement);
                } else {
                    out.add(json, base + starts[i], memberEnd(i) - starts[i]);
                }
            }
            if (streamOptionsMember != null) {
                if (!first) {
                    out.add((byte) ',');
                }
                out.add(streamOptionsMember);
            }
            out.add((byte) '}');
            return out.build();
        } catch (RuntimeException e) {
            out.discard();
            throw e;
        }
    }

    /** Exclusive end of member {@code i}: the next member's start (or the closing brace), less the separator. */
    private int memberEnd(int i) {
        int end = starts[i + 1];
        end = skipSpaceBackwards(end);
        if (i + 1 < count && end > starts[i] && byteAt(end - 1) == ',') {
            end = skipSpaceBackwards(end - 1);
        }
        return end;
    }

    private int skipSpaceBackwards(int end) {
        while (end > 0 && isSpace(byteAt(end - 1))) {
            end--;
        }
        return end;
    }

    private byte byteAt(int offset) {
        return json.getByte(base + offset);
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
}
