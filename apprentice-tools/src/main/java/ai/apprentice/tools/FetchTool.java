package ai.apprentice.tools;

import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * {@code fetch_url}: fetches a web page and returns readable text: HTML turned into Markdown (headings,
 * paragraphs, links, lists, code, tables), other text as is. Bounded in size and time.
 */
public final class FetchTool {
    private final HttpClient client;
    private final Duration timeout;
    private final int maxBytes;

    public FetchTool(Duration timeout, int maxBytes) {
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    public FetchTool() {
        this(Duration.ofSeconds(30), 5 * 1024 * 1024);
    }

    public Tool tool() {
        return Tools.builder("fetch_url")
                .description("Fetch a web page (http or https) and return it as readable Markdown text.")
                .schema(Json.tree("""
                        {"type":"object","properties":{"url":{"type":"string","description":"http or https URL"}},
                         "required":["url"],"additionalProperties":false}"""))
                .execute((args, ctx) -> fetch(args.get("url").asText()));
    }

    public String fetch(String url) throws ToolException, IOException, InterruptedException {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new ToolException("not a valid URL: " + url + " (" + e.getMessage() + ")");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new ToolException("only http and https URLs can be fetched, not '" + uri.getScheme() + "'");
        }
        var request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("User-Agent", "apprentice/0.1 (+https://github.com/apprentice)")
                .header("Accept", "text/html,text/plain,application/json;q=0.9,*/*;q=0.5").GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new ToolException("no answer from " + uri.getHost() + " within " + timeout.toSeconds() + " s");
        } catch (java.net.ConnectException e) {
            throw new ToolException("cannot connect to " + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                    + " (" + (e.getMessage() == null ? "connection refused" : e.getMessage()) + ")");
        }
        byte[] body;
        boolean cut;
        try (var in = response.body()) {
            body = in.readNBytes(maxBytes);
            cut = in.read() >= 0;
        }
        String type = response.headers().firstValue("content-type").orElse("");
        var charset = charsetOf(type);
        var sb = new StringBuilder();
        if (response.statusCode() >= 400) sb.append("HTTP ").append(response.statusCode()).append(" from ").append(uri).append('\n');
        if (type.contains("html") || (type.isEmpty() && looksLikeHtml(body))) {
            sb.append(toMarkdown(new String(body, charset), response.uri().toString()));
        } else if (type.startsWith("text/") || type.contains("json") || type.contains("xml") || type.isEmpty()) {
            if (TextFiles.isBinary(body, body.length)) throw new ToolException(uri + " returned binary content (" + type + ")");
            sb.append(new String(body, charset));
        } else {
            throw new ToolException(uri + " returned " + type + ", which is not text (" + body.length + (cut ? "+" : "") + " bytes)");
        }
        if (cut) sb.append("\n[page cut at ").append(maxBytes).append(" bytes]");
        return sb.toString();
    }

    private static Charset charsetOf(String contentType) {
        var m = java.util.regex.Pattern.compile("(?i)charset=\"?([\\w.-]+)").matcher(contentType);
        try {
            return m.find() ? Charset.forName(m.group(1)) : StandardCharsets.UTF_8;
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    private static boolean looksLikeHtml(byte[] body) {
        var head = new String(body, 0, Math.min(body.length, 512), StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        return head.contains("<html") || head.contains("<!doctype html");
    }

    /** HTML to Markdown, keeping what a reader needs and dropping scripts, styles and page chrome. */
    static String toMarkdown(String html, String baseUri) {
        var doc = Jsoup.parse(html, baseUri);
        doc.select("script, style, noscript, svg, iframe, template, nav, footer, form").remove();
        var sb = new StringBuilder();
        if (!doc.title().isBlank()) sb.append("# ").append(doc.title().strip()).append("\n\n");
        render(doc.body(), sb);
        return sb.toString().replaceAll("\n{3,}", "\n\n").strip() + "\n";
    }

    private static void render(Node node, StringBuilder sb) {
        for (var child : node.childNodes()) {
            if (child instanceof TextNode t) {
                var text = t.text().replaceAll("\\s+", " ");
                if (!text.isBlank() || (sb.length() > 0 && sb.charAt(sb.length() - 1) != ' ' && sb.charAt(sb.length() - 1) != '\n')) sb.append(text);
            } else if (child instanceof Element e) {
                element(e, sb);
            }
        }
    }

    private static void element(Element e, StringBuilder sb) {
        switch (e.tagName()) {
            case "h1", "h2", "h3", "h4", "h5", "h6" -> {
                int level = e.tagName().charAt(1) - '0';
                sb.append("\n\n").append("#".repeat(level)).append(' ').append(e.text().strip()).append("\n\n");
            }
            case "p", "div", "section", "article", "main", "header", "blockquote" -> {
                sb.append("\n\n");
                render(e, sb);
                sb.append("\n\n");
            }
            case "br" -> sb.append('\n');
            case "hr" -> sb.append("\n\n---\n\n");
            case "a" -> {
                var href = e.absUrl("href");
                var text = e.text().strip();
                if (href.isEmpty() || text.isEmpty() || href.startsWith("javascript:")) sb.append(text);
                else sb.append('[').append(text).append("](").append(href).append(')');
            }
            case "strong", "b" -> sb.append("**").append(e.text().strip()).append("**");
            case "em", "i" -> sb.append('_').append(e.text().strip()).append('_');
            case "code" -> sb.append('`').append(e.text()).append('`');
            case "pre" -> sb.append("\n\n```\n").append(e.wholeText().stripTrailing()).append("\n```\n\n");
            case "ul", "ol" -> {
                sb.append("\n");
                int i = 1;
                for (var li : e.children()) {
                    if (!li.tagName().equals("li")) continue;
                    sb.append('\n').append(e.tagName().equals("ol") ? (i++) + ". " : "- ");
                    var item = new StringBuilder();
                    render(li, item);
                    sb.append(item.toString().strip().replaceAll("\n+", "\n  "));
                }
                sb.append("\n\n");
            }
            case "table" -> table(e, sb);
            case "img" -> {
                var alt = e.attr("alt");
                if (!alt.isBlank()) sb.append("[image: ").append(alt.strip()).append(']');
            }
            default -> render(e, sb);
        }
    }

    private static void table(Element table, StringBuilder sb) {
        sb.append("\n\n");
        boolean first = true;
        for (var row : table.select("tr")) {
            var cells = row.select("th, td").stream().map(c -> c.text().strip().replace("|", "\\|")).toList();
            if (cells.isEmpty()) continue;
            sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
            if (first) {
                sb.append("|").append(" --- |".repeat(cells.size())).append('\n');
                first = false;
            }
        }
        sb.append('\n');
    }
}
