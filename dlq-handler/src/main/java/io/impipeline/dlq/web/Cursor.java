package io.impipeline.dlq.web;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.impipeline.platform.web.ApiException;

/** The opaque paging cursor: the id of the last item of the page, base64url-encoded with a version prefix. */
final class Cursor {

    private static final String PREFIX = "v1:";

    private Cursor() {
    }

    static String encode(long lastId) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + lastId).getBytes(StandardCharsets.UTF_8));
    }

    static Long decode(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String s = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            if (!s.startsWith(PREFIX)) {
                throw invalid();
            }
            return Long.parseLong(s.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static ApiException invalid() {
        return ApiException.invalidField("cursor is not one this API returned");
    }
}
