package io.impipeline.router.filter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import io.impipeline.router.settings.RouterProperties;
import io.impipeline.router.settings.RouterProperties.FilterMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AhoCorasickContentFilterTest {

    @TempDir
    Path dir;

    @Test
    void tenThousandWordsMatchOnlyWhatIsInTheText() {
        List<String> words = IntStream.range(0, 10_000).mapToObj(i -> "bad" + i + "word").toList();
        ContentFilter filter = ContentFilter.of(words, true, '#');

        assertThat(filter.matches("a perfectly fine sentence")).isFalse();
        assertThat(filter.mask("x BAD9999WORD y bad42word")).isEqualTo("x ########### y #########");
    }

    @Test
    void overlappingMatchesAreAllMasked() {
        ContentFilter filter = ContentFilter.of(List.of("abc", "bcd"), false, '*');

        assertThat(filter.mask("xabcdx")).isEqualTo("x****x");
    }

    @Test
    void emptyWordListNeverMatchesAndBlankWordsAreIgnored() {
        ContentFilter filter = ContentFilter.of(List.of(" ", ""), true, '*');

        assertThat(filter.matches("anything")).isFalse();
        assertThat(filter.mask("anything")).isEqualTo("anything");
    }

    @Test
    void wordsFileIsAddedToInlineWordsSkippingComments() throws IOException {
        Path file = dir.resolve("words.txt");
        Files.writeString(file, "# blocked\nfoo\n\n坏\n", StandardCharsets.UTF_8);
        ContentFilter filter = ContentFilter.from(new RouterProperties.Filter(List.of("bar"), file, FilterMode.MASK,
                '*', true, "notice"));

        assertThat(filter.mask("foo bar 坏 blocked")).isEqualTo("*** *** * blocked");
    }

    @Test
    void missingWordsFileStopsStartUpWithItsName() {
        Path missing = dir.resolve("nope.txt");
        assertThatThrownBy(() -> ContentFilter.from(new RouterProperties.Filter(List.of(), missing, FilterMode.MASK,
                '*', true, "notice"))).hasMessageContaining("nope.txt");
    }
}
