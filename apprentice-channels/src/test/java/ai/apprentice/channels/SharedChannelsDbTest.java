package ai.apprentice.channels;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.testkit.PostgresFixture;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two servers' chat channels on one PostgreSQL: a platform's redelivery to the other server is seen as one delivery. */
@Timeout(120)
class SharedChannelsDbTest {
    @TempDir Path homeA;
    @TempDir Path homeB;

    @Test
    void aDeliveryIsFirstOnceAcrossServersAndTheirChatRunsAreShared() {
        var db = PostgresFixture.newDatabase();
        var env = Map.of("APPRENTICE_STORE", db.url(), "PGPASSWORD", db.password());
        try (var a = Harness.builder().home(homeA).env(env).build(); var b = Harness.builder().home(homeB).env(env).build();
             var onA = new ChannelsDb(a); var onB = new ChannelsDb(b)) {
            assertThat(onA.firstDelivery("slack", "Ev1")).isTrue();
            assertThat(onB.firstDelivery("slack", "Ev1")).isFalse(); // the platform retried to the other server
            assertThat(onB.firstDelivery("slack", "Ev2")).isTrue();

            a.store(); // the run store's own `runs` table beside the channels' one, each in its schema
            var place = new ChatEvent.Place("T1", "C2", "1700.1", Map.of("kind", "thread"));
            onA.addRun("run-1", "slack", place, "ref-1", "slack:U1");
            assertThat(onB.run("run-1")).hasValueSatisfying(r -> {
                assertThat(r.author()).isEqualTo("slack:U1");
                assertThat(r.place()).isEqualTo(place);
            });
            assertThat(b.store().get("run-1")).isEmpty();

            onA.expectCorrection("slack", "T1/C2/1700.1", "slack:U1", "run-1");
            assertThat(onB.takeCorrection("slack", "T1/C2/1700.1", "slack:U1")).contains("run-1");
            assertThat(onA.takeCorrection("slack", "T1/C2/1700.1", "slack:U1")).isEmpty(); // taken once
        }
        assertThat(homeA.resolve("server/channels.db")).doesNotExist();
    }
}
