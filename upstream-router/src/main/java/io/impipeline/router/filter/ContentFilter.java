package io.impipeline.router.filter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

import io.impipeline.router.settings.RouterProperties;
import org.ahocorasick.trie.Emit;
import org.ahocorasick.trie.Trie;

/**
 * Blocked-word matching with Aho-Corasick ({@code org.ahocorasick:ahocorasick}): one pass over the text whatever
 * the number of words, so 10,000 words cost about what 10 do. Matches anywhere in the text (no word boundaries:
 * CJK text has none).
 */
public final class ContentFilter {

    private final Trie trie;
    private final char maskChar;
    private final boolean empty;

    private ContentFilter(Collection<String> words, boolean ignoreCase, char maskChar) {
        Trie.TrieBuilder builder = Trie.builder();
        if (ignoreCase) {
            builder.ignoreCase();
        }
        this.trie = builder.addKeywords(words).build();
        this.maskChar = maskChar;
        this.empty = words.isEmpty();
    }

    public static ContentFilter of(Collection<String> words, boolean ignoreCase, char maskChar) {
        Set<String> cleaned = new LinkedHashSet<>();
        for (String w : words) {
            if (w != null && !w.isBlank()) {
                cleaned.add(w.strip());
            }
        }
        return new ContentFilter(cleaned, ignoreCase, maskChar);
    }

    /** The inline words plus those of the words file. */
    public static ContentFilter from(RouterProperties.Filter config) {
        Set<String> words = new LinkedHashSet<>(config.words());
        if (config.wordsFile() != null) {
            try {
                Files.readAllLines(config.wordsFile(), StandardCharsets.UTF_8).stream()
                        .filter(line -> !line.startsWith("#"))
                        .forEach(words::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read im.router.filter.words-file " + config.wordsFile(), e);
            }
        }
        return of(words, config.ignoreCase(), config.maskChar());
    }

    public boolean matches(String text) {
        return !empty && text != null && trie.containsMatch(text);
    }

    /** The text with every match replaced by the mask character, one per char; the same string without a match. */
    public String mask(String text) {
        if (empty || text == null) {
            return text;
        }
        Collection<Emit> emits = trie.parseText(text);
        if (emits.isEmpty()) {
            return text;
        }
        char[] chars = text.toCharArray();
        for (Emit emit : emits) {
            for (int i = emit.getStart(); i <= emit.getEnd() && i < chars.length; i++) {
                chars[i] = maskChar;
            }
        }
        return new String(chars);
    }
}
