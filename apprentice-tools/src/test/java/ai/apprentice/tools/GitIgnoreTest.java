package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GitIgnoreTest {
    @Test
    void followsGitSemantics() {
        var g = GitIgnore.parse(List.of("# comment", "*.class", "/root-only.txt", "docs/**/draft.md", "logs/", "!important.class", "a?c"));
        assertThat(g.ignored("Foo.class", false)).isTrue();
        assertThat(g.ignored("deep/dir/Foo.class", false)).isTrue();
        assertThat(g.ignored("important.class", false)).isFalse();
        assertThat(g.ignored("root-only.txt", false)).isTrue();
        assertThat(g.ignored("sub/root-only.txt", false)).isNull();
        assertThat(g.ignored("docs/draft.md", false)).isTrue();
        assertThat(g.ignored("docs/a/b/draft.md", false)).isTrue();
        assertThat(g.ignored("logs", true)).isTrue();
        assertThat(g.ignored("logs", false)).isNull();
        assertThat(g.ignored("abc", false)).isTrue();
        assertThat(g.ignored("a/c", false)).isNull();
    }
}
