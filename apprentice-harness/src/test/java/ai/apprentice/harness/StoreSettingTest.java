package ai.apprentice.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.harness.config.ConfigLoader;
import ai.apprentice.testkit.PostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class StoreSettingTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void sqliteUnlessTheUsersConfigOrTheEnvironmentNamesAPostgresql() throws Exception {
        assertThat(StoreSetting.read(home, Map.of()).postgresql()).isFalse();
        Files.writeString(home.resolve("config.yaml"), "model: openai:gpt-4.1-mini\nstore: postgresql://ana@db.internal/runs\n");
        var fromFile = StoreSetting.read(home, Map.of());
        assertThat(fromFile.url()).isEqualTo("postgresql://ana@db.internal/runs");
        assertThat(fromFile.source()).endsWith("config.yaml: store");
        assertThat(fromFile.passwordEnv()).isEqualTo("PGPASSWORD");
        var fromEnv = StoreSetting.read(home, Map.of("APPRENTICE_STORE", "postgresql://bo@other:6543/x"));
        assertThat(fromEnv.url()).isEqualTo("postgresql://bo@other:6543/x");
        assertThat(fromEnv.source()).isEqualTo("env APPRENTICE_STORE");
        assertThat(StoreSetting.read(home, Map.of("APPRENTICE_STORE", "sqlite")).postgresql()).isFalse();
        // the loader knows the keys (no "unknown key" warning) and keeps them out of the agent's settings
        assertThat(ConfigLoader.load(home, ws, Map.of(), Map.of()).warnings()).isEmpty();
    }

    @Test
    void aWorkspacesConfigCannotMoveTheStore() throws Exception {
        Files.createDirectories(ws.resolve(".apprentice"));
        Files.writeString(ws.resolve(".apprentice/config.yaml"), "store: postgresql://evil@attacker.example/loot\n");
        assertThat(ConfigLoader.load(home, ws, Map.of(), Map.of()).warnings()).singleElement().asString()
                .contains("'store' is read only from the user's config");
        assertThat(StoreSetting.read(home, Map.of()).postgresql()).isFalse();
    }

    @Test
    void badSettingsAreErrorsNamingWhere() throws Exception {
        Files.writeString(home.resolve("config.yaml"), "store: mysql://a@b/c\n");
        assertThatThrownBy(() -> StoreSetting.read(home, Map.of())).hasMessageEndingWith("config.yaml: store must start with postgresql://");
        Files.writeString(home.resolve("config.yaml"), "store: {url: x}\n");
        assertThatThrownBy(() -> StoreSetting.read(home, Map.of())).hasMessageContaining("store: expected sqlite or postgresql://");
        Files.writeString(home.resolve("config.yaml"), "store: postgresql://a@b/c\nstore_password_env: not a name\n");
        assertThatThrownBy(() -> StoreSetting.read(home, Map.of())).hasMessageContaining("store_password_env: expected the name of an environment variable");
        Files.writeString(home.resolve("config.yaml"), "store: postgresql://a@b/c\nstore_password_env: MY_DB_PW\n");
        var setting = StoreSetting.read(home, Map.of());
        assertThatThrownBy(() -> setting.connect(Map.of())).hasMessageContaining("names MY_DB_PW, which is not set");
    }

    @Test
    void theHarnessPutsRunsAndMemoriesInThePostgresqlItNames() throws Exception {
        var db = PostgresFixture.newDatabase();
        Files.writeString(home.resolve("config.yaml"), "store: " + db.url() + "\n");
        try (var harness = Harness.builder().home(home).env(Map.of("PGPASSWORD", db.password())).build()) {
            assertThat(harness.store().location()).isEqualTo(db.url());
            harness.memory().add(ai.apprentice.memory.Memory.New.of("The standup is at 9:30.", ai.apprentice.memory.Memory.Kind.FACT,
                    ai.apprentice.memory.Memory.USER), "test");
            assertThat(harness.database().schemaVersions()).containsOnlyKeys("runs", "memory");
        }
        try (var c = db.connect(); var st = c.createStatement(); var rs = st.executeQuery("SELECT text FROM memories")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("The standup is at 9:30.");
        }
        assertThat(Files.exists(home.resolve("apprentice.db"))).isFalse();
        assertThat(Files.exists(home.resolve("memory").resolve("memory.db"))).isFalse();
        try (var files = Files.list(home.resolve("memory"))) {
            assertThat(files.map(p -> p.getFileName().toString())).singleElement().asString().startsWith("index-pg-");
        }
    }
}
