package ai.apprentice.memory;

import ai.apprentice.memory.Memory.Kind;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The user's own material as memories: chat logs (plain "name: message" lines with or without timestamps,
 * WeChat-style exports, JSON message arrays, Markdown chats) become one memory per message, with the message
 * before it as context; documents (text, Markdown, HTML, PDF) become chunks of about {@value #CHUNK} characters.
 * Every memory keeps its file and position as provenance; importing the same material again adds nothing.
 */
public final class Importer {
    static final int CHUNK = 800;
    static final long MAX_BYTES = 20L * 1024 * 1024;
    static final List<String> TYPES = List.of("txt", "log", "md", "markdown", "json", "html", "htm", "pdf");

    /** One message of a chat. */
    record Message(String name, String time, String text, int line) {}

    /** What a file gave: memories to add, and lines that could not be read as the format it was taken for. */
    record Parsed(String format, List<Memory.New> items, List<Integer> unparsedLines) {}

    /** A file's outcome. */
    public record FileResult(Path file, String format, int added, int duplicates, List<Integer> unparsedLines, String skipped) {}

    private static final String TIME = "\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}[ T,]+\\d{1,2}:\\d{2}(?::\\d{2})?(?:\\s*[AaPp][Mm])?";
    private static final Pattern TIMED_LINE = Pattern.compile("^\\[?(" + TIME + ")]?\\s*[-–]?\\s*([^:：\\[\\]]{1,40}?)\\s*[:：]\\s*(.+)$");
    private static final Pattern PLAIN_LINE = Pattern.compile("^([^:：\\[\\]\\s][^:：\\[\\]]{0,39}?)\\s*[:：]\\s+(.+)$");
    private static final Pattern MARKDOWN_LINE = Pattern.compile("^[-*]?\\s*\\*\\*([^*]{1,40}?):?\\*\\*:?\\s*(.+)$");
    private static final Pattern WECHAT_HEADER = Pattern.compile("^(\\d{4}-\\d{2}-\\d{2} \\d{1,2}:\\d{2}(?::\\d{2})?)\\s+(\\S.{0,40})$");

    private final MemoryStore store;
    private final String scope;

    public Importer(MemoryStore store, String scope) {
        this.store = store;
        this.scope = Memory.checkScope(scope);
    }

    /** Imports files and folders (recursively; hidden ones skipped), reporting each file as it is done. */
    public List<FileResult> importPaths(List<Path> paths, Consumer<FileResult> progress) throws IOException {
        var out = new ArrayList<FileResult>();
        for (var p : paths) {
            if (!Files.exists(p)) throw new IOException("no such file or folder: " + p);
            List<Path> files;
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    files = walk.filter(Files::isRegularFile).filter(f -> !hidden(p.relativize(f))).sorted().toList();
                }
            } else {
                files = List.of(p);
            }
            for (var f : files) {
                var r = importFile(f.toAbsolutePath().normalize());
                out.add(r);
                if (progress != null) progress.accept(r);
            }
        }
        // A bulk import leaves many small segments; one merged segment makes vector search several times faster.
        if (out.stream().anyMatch(r -> r.added() > 0)) store.optimize();
        return out;
    }

    private static boolean hidden(Path rel) {
        for (var part : rel) if (part.toString().startsWith(".")) return true;
        return false;
    }

    FileResult importFile(Path file) throws IOException {
        String name = file.getFileName().toString();
        String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
        long size = Files.size(file);
        if (!TYPES.contains(ext) && !ext.isEmpty()) return skipped(file, "unsupported file type ." + ext + " (supported: " + String.join(", ", TYPES) + ")");
        if (size > MAX_BYTES) return skipped(file, String.format(Locale.ROOT, "too large (%.1f MB; the limit is %d MB)", size / 1e6, MAX_BYTES / 1024 / 1024));
        if (size == 0) return skipped(file, "empty");
        Parsed parsed;
        try {
            parsed = switch (ext) {
                case "pdf" -> document(file, pdfText(file), "pdf");
                case "html", "htm" -> document(file, org.jsoup.Jsoup.parse(text(file)).text(), "html");
                case "json" -> json(file, text(file));
                default -> chatOrDocument(file, text(file), ext.equals("md") || ext.equals("markdown") ? "markdown" : "text");
            };
        } catch (BinaryException e) {
            return skipped(file, e.getMessage());
        }
        if (parsed.items().isEmpty()) return new FileResult(file, parsed.format(), 0, 0, parsed.unparsedLines(), "nothing to import");
        var added = store.add(parsed.items(), "import " + file);
        int dup = (int) added.stream().filter(Memory.Added::duplicate).count();
        return new FileResult(file, parsed.format(), added.size() - dup, dup, parsed.unparsedLines(), null);
    }

    private static FileResult skipped(Path file, String why) {
        return new FileResult(file, null, 0, 0, List.of(), why);
    }

    private static final class BinaryException extends IOException {
        BinaryException(String m) {
            super(m);
        }
    }

    /** UTF-8 text; a NUL byte or invalid UTF-8 means a binary file, which is skipped, not guessed at. */
    static String text(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 0; i < Math.min(bytes.length, 8192); i++) if (bytes[i] == 0) throw new BinaryException("binary file (it contains NUL bytes)");
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString()
                    .replace("\r\n", "\n").replace('\r', '\n');
        } catch (CharacterCodingException e) {
            throw new BinaryException("not UTF-8 text");
        }
    }

    private static String pdfText(Path file) throws IOException {
        try (var doc = org.apache.pdfbox.Loader.loadPDF(file.toFile())) {
            return new org.apache.pdfbox.text.PDFTextStripper().getText(doc);
        } catch (IOException e) {
            throw new BinaryException("not a readable PDF: " + e.getMessage());
        }
    }

    /** A chat when most non-blank lines read as messages in one of the known formats; otherwise a document. */
    Parsed chatOrDocument(Path file, String text, String docFormat) {
        var lines = text.split("\n", -1);
        var wechat = wechat(lines);
        if (wechat != null) return chat(file, "wechat", wechat.messages, wechat.unparsed);
        for (var format : List.of("timestamped", "markdown chat", "plain chat")) {
            var pattern = switch (format) {
                case "timestamped" -> TIMED_LINE;
                case "markdown chat" -> MARKDOWN_LINE;
                default -> PLAIN_LINE;
            };
            var messages = new ArrayList<Message>();
            var unparsed = new ArrayList<Integer>();
            int nonBlank = 0;
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) continue;
                nonBlank++;
                Matcher m = pattern.matcher(lines[i].strip());
                if (m.matches()) {
                    messages.add(pattern == TIMED_LINE ? new Message(m.group(2).strip(), m.group(1), m.group(3).strip(), i + 1)
                            : new Message(m.group(1).strip(), null, m.group(2).strip(), i + 1));
                } else {
                    unparsed.add(i + 1);
                }
            }
            // Speakers repeat in a chat; "Note: ..." lines in a document rarely make two thirds of it.
            long speakers = messages.stream().map(Message::name).distinct().count();
            if (nonBlank > 0 && messages.size() >= 2 && messages.size() * 3 >= nonBlank * 2 && speakers <= Math.max(2, messages.size() / 2)) {
                return chat(file, format, messages, unparsed);
            }
        }
        return document(file, text, docFormat);
    }

    private record WeChat(List<Message> messages, List<Integer> unparsed) {}

    /** "2024-05-01 21:03:11 Alice" on one line, the message on the lines after it. */
    private static WeChat wechat(String[] lines) {
        var messages = new ArrayList<Message>();
        var unparsed = new ArrayList<Integer>();
        String name = null, time = null;
        int at = 0;
        var body = new StringBuilder();
        int headers = 0;
        for (int i = 0; i < lines.length; i++) {
            Matcher m = WECHAT_HEADER.matcher(lines[i].strip());
            if (m.matches() && !TIMED_LINE.matcher(lines[i].strip()).matches()) {
                if (name != null && !body.isEmpty()) messages.add(new Message(name, time, body.toString().strip(), at));
                name = m.group(2).strip();
                time = m.group(1);
                at = i + 1;
                body.setLength(0);
                headers++;
            } else if (!lines[i].isBlank()) {
                if (name == null) unparsed.add(i + 1);
                else body.append(lines[i].strip()).append('\n');
            }
        }
        if (name != null && !body.isEmpty()) messages.add(new Message(name, time, body.toString().strip(), at));
        return headers >= 2 && messages.size() >= 2 ? new WeChat(messages, unparsed) : null;
    }

    /** JSON: an array of messages, or an object with a "messages" array; each with a sender and a text. */
    Parsed json(Path file, String text) throws IOException {
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = ai.apprentice.json.Json.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Jackson's limits (nesting deeper than 1000, say) come without a location
            var where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new BinaryException("not valid JSON: " + e.getOriginalMessage() + where);
        }
        var array = root.isArray() ? root : root.path("messages");
        if (!array.isArray()) throw new BinaryException("JSON is not a message array (expected [...] or {\"messages\": [...]})");
        var messages = new ArrayList<Message>();
        var unparsed = new ArrayList<Integer>();
        for (int i = 0; i < array.size(); i++) {
            var m = array.get(i);
            String name = first(m, "sender", "name", "author", "from", "speaker", "role", "user");
            String body = first(m, "text", "content", "message", "body");
            String time = first(m, "timestamp", "time", "date", "created_at");
            if (body == null || body.isBlank()) unparsed.add(i + 1);
            else messages.add(new Message(name == null ? "unknown" : name, time, body, i + 1));
        }
        return chat(file, "json", messages, unparsed);
    }

    private static String first(com.fasterxml.jackson.databind.JsonNode m, String... keys) {
        for (var k : keys) {
            var v = m.get(k);
            if (v != null && v.isValueNode()) return v.asText();
            if (v != null && v.isObject() && v.has("name")) return v.get("name").asText();
        }
        return null;
    }

    private Parsed chat(Path file, String format, List<Message> messages, List<Integer> unparsed) {
        var items = new ArrayList<Memory.New>();
        String previous = null;
        for (int i = 0; i < messages.size(); i++) {
            var m = messages.get(i);
            String text = m.name() + (m.time() == null ? "" : " (" + m.time() + ")") + ": " + m.text();
            items.add(new Memory.New(text, previous, Kind.EPISODE, scope, file.toString(), i, 1.0, null));
            previous = text;
        }
        return new Parsed(format, items, List.copyOf(unparsed));
    }

    /** Paragraphs packed into chunks of about {@value #CHUNK} characters; the heading above a chunk is its context. */
    private Parsed document(Path file, String text, String format) {
        var items = new ArrayList<Memory.New>();
        String heading = file.getFileName().toString();
        var chunk = new StringBuilder();
        String chunkHeading = heading;
        for (var para : text.split("\n\\s*\n")) {
            String p = para.strip();
            if (p.isEmpty()) continue;
            if (p.startsWith("#")) heading = p.lines().findFirst().orElse(p).replaceFirst("^#+\\s*", "");
            while (p.length() > CHUNK * 2) { // one huge paragraph: cut at a sentence or a space
                int cut = Math.max(p.lastIndexOf(". ", CHUNK), p.lastIndexOf(' ', CHUNK));
                if (cut <= 0) cut = CHUNK;
                flush(items, file, chunkHeading, chunk);
                chunk.append(p, 0, cut + 1);
                flush(items, file, heading, chunk);
                p = p.substring(cut + 1).strip();
            }
            if (chunk.length() + p.length() > CHUNK && !chunk.isEmpty()) flush(items, file, chunkHeading, chunk);
            if (chunk.isEmpty()) chunkHeading = heading;
            chunk.append(p).append("\n\n");
        }
        flush(items, file, chunkHeading, chunk);
        return new Parsed(format, items, List.of());
    }

    private void flush(List<Memory.New> items, Path file, String heading, StringBuilder chunk) {
        if (chunk.toString().isBlank()) {
            chunk.setLength(0);
            return;
        }
        items.add(new Memory.New(chunk.toString().strip(), heading, Kind.DOCUMENT, scope, file.toString(), items.size(), 1.0, null));
        chunk.setLength(0);
    }
}
