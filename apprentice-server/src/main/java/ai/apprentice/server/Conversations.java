package ai.apprentice.server;

import ai.apprentice.json.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Multi-turn conversations (the API's sessions): a workspace and settings, and the runs of its messages in order. */
final class Conversations {
    record Conversation(String id, String title, String workspace, Map<String, Object> flags, String createdAt) {}

    private final ServerDb db;

    Conversations(ServerDb db) {
        this.db = db;
    }

    Conversation create(String title, String workspace, Map<String, Object> flags) {
        var id = "ses_" + ai.apprentice.runtime.RunIds.next();
        var c = new Conversation(id, title, workspace, flags, ServerDb.now());
        db.update("INSERT INTO conversations(id, title, workspace, settings_json, created_at) VALUES (?,?,?,?,?)",
                id, title, workspace, Json.write(flags), c.createdAt());
        return c;
    }

    Optional<Conversation> get(String id) {
        return db.query("SELECT id, title, workspace, settings_json, created_at FROM conversations WHERE id=?", Conversations::row, id)
                .stream().findFirst();
    }

    List<Conversation> list(int limit, int offset) {
        return db.query("SELECT id, title, workspace, settings_json, created_at FROM conversations ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                Conversations::row, limit, offset);
    }

    private static Conversation row(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Conversation(rs.getString(1), rs.getString(2), rs.getString(3), ServerDb.flags(rs.getString(4)), rs.getString(5));
    }
}
