package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(180)
class MemoryCommandTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void addRecallForgetUndoHistoryExportFromTheCommandLine() throws Exception {
        var cli = new CliHarness(home, ws);
        var add = cli.run("memory", "add", "--kind", "preference", "The user likes short commit messages in the imperative mood.");
        assertThat(add.exit()).as(add.err()).isZero();
        String id = add.out().strip().replace("Remembered: ", "");
        assertThat(cli.run("memory", "add", "--kind", "preference", "The user likes short commit messages in the imperative mood.").out()).startsWith("Already remembered: " + id);
        cli.run("memory", "add", "Our CI runs on two cores and must stay under twenty minutes.");

        var recall = cli.run("memory", "recall", "how", "should", "I", "write", "the", "commit", "message");
        assertThat(recall.out()).startsWith("[" + id + "] (preference").contains("why: ");
        var json = Json.tree(cli.run("memory", "recall", "CI time limit", "--json", "-k", "1").out());
        assertThat(json.get(0).at("/memory/text").asText()).contains("twenty minutes");

        var forget = cli.run("memory", "forget", id);
        assertThat(forget.out()).contains("undo with: apprentice memory undo b-");
        String batch = forget.out().replaceAll("(?s).*undo with: apprentice memory undo (\\S+)\\).*", "$1");
        assertThat(cli.run("memory", "list").out()).doesNotContain(id);
        assertThat(cli.run("memory", "list", "--all").out()).contains(id).contains("[forgotten]");
        assertThat(cli.run("memory", "undo", batch).out()).isEqualTo("Undid 1 change(s) of " + batch + ".\n");
        assertThat(cli.run("memory", "list").out()).contains(id);
        assertThat(cli.run("memory", "history").out()).contains("undo-forget").contains("[undone]");

        var export = ws.resolve("memory.json");
        assertThat(cli.run("memory", "export", "-o", export.toString()).exit()).isZero();
        var exported = Json.tree(Files.readString(export));
        assertThat(exported.get("memories").size()).isEqualTo(2);
        assertThat(exported.get("history").size()).isGreaterThanOrEqualTo(4);

        assertThat(cli.run("memory", "forget", "--hard", id).out()).startsWith("Removed " + id + " for good.");
        assertThat(cli.run("memory", "export").out()).doesNotContain("imperative mood");

        cli.run("memory", "add", "Our CI runs on two cores and must stay under twenty minutes!");
        assertThat(cli.run("memory", "consolidate", "--dry-run").out()).contains("would merge").contains("Would merge 1 near-duplicate(s)");
        var consolidated = cli.run("memory", "consolidate").out();
        assertThat(consolidated).contains("Merged 1 near-duplicate(s)").contains("Undo with: apprentice memory undo b-");
        assertThat(cli.run("memory", "consolidate").out()).startsWith("Merged 0 near-duplicate(s)");

        var badKind = cli.run("memory", "add", "--kind", "rumour", "x");
        assertThat(badKind.exit()).isNotZero();
        assertThat(badKind.err()).contains("unknown memory kind 'rumour'");
        assertThat(cli.run("memory", "undo", "b-missing").err()).contains("no changes in batch b-missing");
        assertThat(cli.run("memory", "forget", "m-missing").err()).contains("No memory m-missing");
    }

    @Test
    void importReportsWhatItReadAndWhatItCouldNot() throws Exception {
        var cli = new CliHarness(home, ws);
        var folder = Files.createDirectories(ws.resolve("chats"));
        Files.writeString(folder.resolve("team.txt"), "Ana: The offsite is in Porto in May.\nBo: I will book the flights.\n???\nAna: Thanks!\n");
        Files.write(folder.resolve("blob.txt"), new byte[] {1, 0, 2, 0});
        var r = cli.run("memory", "import", folder.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Imported 3 memories (0 already known, 1 file(s) skipped).\n");
        assertThat(r.err()).contains("team.txt (plain chat): 3 added").contains("could not read line(s) 3 as plain chat").contains("skipped " + folder.resolve("blob.txt") + ": binary file");
        assertThat(cli.run("memory", "import", folder.toString()).out()).startsWith("Imported 0 memories (3 already known");
        assertThat(cli.run("memory", "import", ws.resolve("nope").toString()).err()).contains("no such file or folder");
    }

    /** Forgetting for good reaches into the runs: the remember call, its result and the memory_updated event. */
    @Test
    void forgetHardBlanksTheTextInRunEventsToo() throws Exception {
        var cli = new CliHarness(home, ws);
        String secret = "The user is writing a book about tides.";
        try (var server = new MockOpenAiServer()) {
            server.enqueue(MockReply.toolCalls(MockReply.call("remember", "{\"text\": \"" + secret + "\", \"kind\": \"fact\"}")),
                    MockReply.text("Noted."), MockReply.text("{\"memories\": []}"));
            cli.env.put("OPENAI_API_KEY", "sk-test");
            var run = cli.run("run", "--model", "openai:gpt-4.1-mini", "--base-url", server.baseUrl(), "remember my book");
            assertThat(run.exit()).as(run.err()).isZero();
        }
        assertThat(occurrences("writing a book about tides")).isPositive();
        String id = cli.run("memory", "list").out().lines().filter(l -> l.contains("tides")).findFirst().orElseThrow().split(" ")[0];
        var forget = cli.run("memory", "forget", "--hard", id);
        assertThat(forget.out()).startsWith("Removed " + id + " for good.").contains("blanked in");
        assertThat(occurrences("writing a book about tides")).isZero();
        assertThat(occurrences("[forgotten]")).isPositive();
        assertThat(cli.run("runs", "list").exit()).isZero();
    }

    /** Rows of the run database that hold {@code text}, read with SQL. */
    private long occurrences(String text) throws Exception {
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + home.resolve("apprentice.db"));
             var ps = c.prepareStatement("SELECT (SELECT count(*) FROM events WHERE instr(payload, ?1) > 0)"
                     + " + (SELECT count(*) FROM runs WHERE instr(task, ?1) > 0 OR instr(answer, ?1) > 0)")) {
            ps.setString(1, text);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aRunRecallsRelevantMemoriesAndTheAgentCanRemember() throws Exception {
        var cli = new CliHarness(home, ws);
        cli.run("memory", "add", "The user's favourite editor is Helix.");
        try (var server = new MockOpenAiServer()) {
            server.enqueue(MockReply.toolCalls(MockReply.call("remember", "{\"text\": \"The user is writing a book about tides.\", \"kind\": \"fact\"}")),
                    MockReply.text("Noted."),
                    // After the run: what to keep from it.
                    MockReply.text("{\"memories\": [{\"text\": \"The user configures Helix with a dark theme.\", \"kind\": \"preference\", \"replaces\": null}]}"));
            cli.env.put("OPENAI_API_KEY", "sk-test");
            var run = cli.run("run", "--model", "openai:gpt-4.1-mini", "--base-url", server.baseUrl(), "which editor should I configure?");
            assertThat(run.exit()).as(run.err()).isZero();
            // Recalled memories are this call's context, a system message after the instructions.
            assertThat(server.requests().getFirst().body().at("/messages/0/content").asText()).doesNotContain("Helix");
            String recalled = server.requests().getFirst().body().at("/messages/1/content").asText();
            assertThat(recalled).contains("## What you remember").contains("favourite editor is Helix");
            assertThat(server.requests().getFirst().body().get("tools").toString()).contains("\"remember\"").contains("\"recall\"").contains("\"forget\"");
            // The extraction request sees the session and what is already remembered.
            String extraction = server.requests().get(2).body().toString();
            assertThat(extraction).contains("You keep an AI agent's long-term memory").contains("which editor should I configure?").contains("favourite editor is Helix");
            assertThat(run.err()).contains("memory updated: 1 stored (undo: apprentice memory undo b-").contains("+ The user configures Helix with a dark theme.");
            String batch = run.err().replaceAll("(?s).*apprentice memory undo (b-[^)]+)\\).*", "$1");
            assertThat(cli.run("memory", "list").out()).contains("dark theme");
            assertThat(cli.run("memory", "undo", batch).exit()).isZero();
            assertThat(cli.run("memory", "list").out()).doesNotContain("dark theme");
        }
        // What the agent remembers belongs to its workspace.
        assertThat(cli.run("memory", "list", "--scope", "user").out()).doesNotContain("tides");
        var list = cli.run("memory", "list").out();
        assertThat(list).contains("The user is writing a book about tides.").contains("workspace:");
        assertThat(cli.run("memory", "history").out()).contains("add");

        cli.env.put("APPRENTICE_MEMORY", "off");
        try (var server = new MockOpenAiServer()) {
            server.enqueue(MockReply.text("ok"));
            server.fallback(MockReply.status(500, null, "no more replies"));
            cli.run("run", "--model", "openai:gpt-4.1-mini", "--base-url", server.baseUrl(), "which editor should I configure?");
            assertThat(server.requests().getFirst().body().at("/messages/0/content").asText()).doesNotContain("What you remember");
            assertThat(server.requests().getFirst().body().path("tools").toString()).doesNotContain("\"remember\"");
            assertThat(server.requests()).hasSize(1); // no extraction call either
        }
    }

    @Test
    void consolidateWithAModelResolvesAContradictionAndCanBeUndone() throws Exception {
        var cli = new CliHarness(home, ws);
        cli.run("memory", "add", "The team standup is at 9:30 every morning.");
        cli.run("memory", "add", "The team standup now starts at 10:00 every morning.");
        // no old episodes, so the one model call is about the one related pair: A is the older memory
        java.nio.file.Files.writeString(ws.resolve("judge.jsonl"), "{\"text\": \"{\\\"contradictions\\\": [{\\\"pair\\\": 1, \\\"current\\\": \\\"B\\\"}]}\"}\n");
        var r = cli.run("memory", "consolidate", "--model", "scripted:" + ws.resolve("judge.jsonl"));
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("resolved: The team standup is at 9:30").contains("resolved 1 contradiction(s)").contains("Undo with: apprentice memory undo ");
        assertThat(cli.run("memory", "list").out()).contains("10:00").doesNotContain("9:30");
        var batch = r.out().replaceAll("(?s).*Undo with: apprentice memory undo (\\S+).*", "$1").strip();
        assertThat(cli.run("memory", "undo", batch).exit()).isEqualTo(0);
        assertThat(cli.run("memory", "list").out()).contains("10:00").contains("9:30");
    }
}
