package io.impipeline.dlq.letter;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text views of raw bytes that PostgreSQL can store. PostgreSQL's {@code text} and {@code jsonb} refuse NUL
 * ({@code \u0000}), and its UTF-8 encoding has no room for unpaired surrogates; everything else is storable.
 */
public final class Bytes {

    /** Marks what was replaced in a display form: the exact bytes are kept elsewhere (bytea or base64). */
    public static final char REPLACEMENT = '\uFFFD';

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

    /** Whether PostgreSQL stores this string exactly as it is: no NUL, no unpaired surrogate. */
    public static boolean storable(String s) {
        if (s == null) {
            return true;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Always a storable string, for display columns and free text such as exception messages: NUL and unpaired
     * surrogates become U+FFFD (as invalid UTF-8 already did when the bytes were decoded).
     */
    public static String lenientText(String s) {
        if (s == null || storable(s)) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (c == '\0' || Character.isSurrogate(c)) {
                b.append(REPLACEMENT);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * At most {@code max} characters (never splitting a surrogate pair), with a marker saying how long it was, so
     * that a column or index entry cannot be made arbitrarily large by whoever wrote the record.
     */
    public static String truncate(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "…[truncated, " + s.length() + " chars]";
    }

    /** One log line per event: control characters (a forged line break) from a record become '?', length capped. */
    public static String forLog(String s) {
        if (s == null) {
            return null;
        }
        String t = truncate(s, 300);
        StringBuilder b = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }
}
