package io.impipeline.dlq.capture;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Text views of raw bytes that PostgreSQL can store: strict UTF-8, and never a NUL (text and jsonb refuse it). */
public final class Bytes {

    private Bytes() {
    }

    /** The bytes as a string when they are valid UTF-8 without NUL characters, else null. */
    public static String utf8OrNull(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return s.indexOf('\0') >= 0 ? null : s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Always a string: invalid sequences replaced, NUL removed. For free text such as exception messages. */
    public static String lenientText(String s) {
        return s == null ? null : s.replace("\0", "");
    }
}
