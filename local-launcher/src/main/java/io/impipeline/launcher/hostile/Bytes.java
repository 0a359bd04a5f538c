package io.impipeline.launcher.hostile;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Byte helpers of the corpus. */
final class Bytes {

    private Bytes() {
    }

    static boolean isUtf8(byte[] bytes) {
        if (bytes == null) {
            return true;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code bytes} with the first occurrence of {@code placeholder} (ASCII) replaced by {@code replacement}. */
    static byte[] replace(byte[] bytes, String placeholder, byte[] replacement) {
        byte[] p = utf8(placeholder);
        outer:
        for (int i = 0; i + p.length <= bytes.length; i++) {
            for (int j = 0; j < p.length; j++) {
                if (bytes[i + j] != p[j]) {
                    continue outer;
                }
            }
            byte[] out = new byte[bytes.length - p.length + replacement.length];
            System.arraycopy(bytes, 0, out, 0, i);
            System.arraycopy(replacement, 0, out, i, replacement.length);
            System.arraycopy(bytes, i + p.length, out, i + replacement.length, bytes.length - i - p.length);
            return out;
        }
        throw new IllegalArgumentException("placeholder " + placeholder + " not found");
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static byte[] repeat(char c, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, (byte) c);
        return out;
    }

    /** A short readable form of a size. */
    static String size(long bytes) {
        if (bytes >= 1024 * 1024) {
            return String.format("%.2f MiB", bytes / 1048576.0);
        }
        if (bytes >= 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        return bytes + " B";
    }
}
