package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which patterns may run on the plain text (fast) and which need the deadline (they can backtrack badly). */
class SearcherLinearTest {
    @Test
    void simplePatternsRunPlainAndBacktrackingOnesWithTheDeadline() {
        assertThat(Searcher.linear("needle_[0-9]+")).isTrue();
        assertThat(Searcher.linear("TODO|FIXME")).isTrue();
        assertThat(Searcher.linear("^import java\\.util\\..*$")).isTrue();
        assertThat(Searcher.linear("[*+()]{2}")).isTrue(); // inside a class they are characters
        assertThat(Searcher.linear("(a|b)*c")).isFalse();
        assertThat(Searcher.linear("(x+x+)+y")).isFalse();
        assertThat(Searcher.linear(".*.*=.*")).isFalse();
        assertThat(Searcher.linear("(\\w)\\1")).isFalse();
        assertThat(Searcher.linear("a{2,}b+")).isFalse();
    }
}
