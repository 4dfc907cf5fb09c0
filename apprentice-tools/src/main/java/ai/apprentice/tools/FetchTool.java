package ai.apprentice.tools;

import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * {@code fetch_url}: fetches a web page and returns readable text: HTML turned into Markdown (headings,
 * paragraphs, links, lists, code, tables), other text as is. Bounded in size and time.
 *
 * <p>It reaches only the public internet: a host that resolves to a loopback, private, link-local (cloud
 * metadata), unspecified, multicast or reserved address, also written in IPv4-mapped, decimal or hex form,
 * is refused, at every redirect hop, unless the config lists it ({@code fetch: {allow_private: [...]}}); such
 * addresses would let a model reach local services, or send a workspace's secrets out around the sandbox's
 * "no network". The host is resolved once and the socket connects to the very address that was checked (a
 * second lookup could answer differently: DNS rebinding). {@code java.net.http.HttpClient} resolves names
 * itself and offers no per-client resolver (the JDK's resolver SPI is global), so this is a small HTTP/1.1
 * client on a plain {@link Socket}, with TLS layered on it by {@link SSLSocket} for the original host name
 * (SNI and certificate check).
 */
public final class FetchTool {
    static final int MAX_REDIRECTS = 5;
    private final Duration timeout;
    private final int maxBytes;
    private final List<AddressRules.Allowed> allowed;

    /** {@code allowPrivate}: hosts, addresses or CIDR ranges, optionally with a port, that may be internal on purpose. */
    public FetchTool(Duration timeout, int maxBytes, List<String> allowPrivate) {
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.allowed = allowPrivate.stream().map(AddressRules.Allowed::parse).toList();
    }

    public FetchTool(Duration timeout, int maxBytes) {
        this(timeout, maxBytes, List.of());
    }

    public FetchTool(List<String> allowPrivate) {
        this(Duration.ofSeconds(30), 5 * 1024 * 1024, allowPrivate);
    }

    public FetchTool() {
        this(List.of());
    }

    public Tool tool() {
        return Tools.builder("fetch_url")
                .description("Fetch a web page (http or https) and return it as readable Markdown text.")
                .schema(Json.tree("""
                        {"type":"object","properties":{"url":{"type":"string","description":"http or https URL"}},
                         "required":["url"],"additionalProperties":false}"""))
                .effect(ai.apprentice.tool.Tool.Effect.READ_ONLY) // a GET
                .execute((args, ctx) -> fetch(args.get("url").asText()));
    }

    private record Response(URI uri, int status, Map<String, String> headers, byte[] body, boolean cut) {}

    public String fetch(String url) throws ToolException, IOException, InterruptedException {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new ToolException("not a valid URL: " + url + " (" + e.getMessage() + ")");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Response response = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            response = get(uri, deadline);
            var location = response.headers().get("location");
            if (location == null || !List.of(301, 302, 303, 307, 308).contains(response.status())) break;
            if (hop == MAX_REDIRECTS) throw new ToolException(url + " redirects more than " + MAX_REDIRECTS + " times");
            try {
                uri = uri.resolve(location.strip());
            } catch (IllegalArgumentException e) {
                throw new ToolException(uri + " redirects to an invalid URL: " + location);
            }
        }
        byte[] body = response.body();
        String type = response.headers().getOrDefault("content-type", "");
        var charset = charsetOf(type);
        var sb = new StringBuilder();
        uri = response.uri();
        if (response.status() >= 400) sb.append("HTTP ").append(response.status()).append(" from ").append(uri).append('\n');
        if (type.contains("html") || (type.isEmpty() && looksLikeHtml(body))) {
            sb.append(toMarkdown(new String(body, charset), uri.toString()));
        } else if (type.startsWith("text/") || type.contains("json") || type.contains("xml") || type.isEmpty()) {
            if (TextFiles.isBinary(body, body.length)) throw new ToolException(uri + " returned binary content (" + type + ")");
            sb.append(new String(body, charset));
        } else {
            throw new ToolException(uri + " returned " + type + ", which is not text (" + body.length + (response.cut() ? "+" : "") + " bytes)");
        }
        if (response.cut()) sb.append("\n[page cut at ").append(maxBytes).append(" bytes]");
        return sb.toString();
    }

    /** One request: check the scheme and every address, connect to a checked one, read the answer. */
    private Response get(URI uri, long deadline) throws ToolException, IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ToolException("only http and https URLs can be fetched, not '" + uri.getScheme() + "'");
        }
        String host = uri.getHost();
        int given = uri.getPort();
        if (host == null && uri.getRawAuthority() != null) {
            // java.net.URI leaves the host out when it is not a valid name, e.g. "0x7f.1", which a resolver
            // reads as 127.0.0.1: take it from the authority so that it is checked like any other
            var m = java.util.regex.Pattern.compile("(?:.*@)?([^:@]+)(?::(\\d+))?").matcher(uri.getRawAuthority());
            if (m.matches()) {
                host = m.group(1);
                given = m.group(2) == null ? -1 : Integer.parseInt(m.group(2));
            }
        }
        if (host == null || host.isEmpty()) throw new ToolException("not a valid URL: " + uri + " (no host)");
        String bareHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        int port = given > 0 ? given : scheme.equals("https") ? 443 : 80;
        var address = checkedAddress(uri, bareHost, port);
        Socket socket = new Socket();
        try {
            try {
                socket.connect(new InetSocketAddress(address, port), remainingMillis(deadline, host));
                socket.setSoTimeout(remainingMillis(deadline, host));
                if (scheme.equals("https")) socket = tls(socket, bareHost, port);
                var request = "GET " + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()) + " HTTP/1.1\r\n"
                        + "Host: " + host + (given > 0 ? ":" + given : "") + "\r\n"
                        + "User-Agent: apprentice/0.1 (+https://github.com/apprentice)\r\n"
                        + "Accept: text/html,text/plain,application/json;q=0.9,*/*;q=0.5\r\n"
                        + "Accept-Encoding: identity\r\nConnection: close\r\n\r\n";
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
                return read(uri, new BufferedInputStream(socket.getInputStream()), deadline);
            } catch (SocketTimeoutException e) {
                throw new ToolException("no answer from " + host + " within " + timeout.toSeconds() + " s");
            } catch (java.net.ConnectException e) {
                throw new ToolException("cannot connect to " + host + (given > 0 ? ":" + given : "")
                        + " (" + (e.getMessage() == null ? "connection refused" : e.getMessage()) + ")");
            } catch (SSLException e) {
                throw new ToolException("TLS with " + host + " failed: " + e.getMessage());
            }
        } finally {
            socket.close();
        }
    }

    /** Resolves the host once; every address it has must be public, unless the config lists it. */
    private InetAddress checkedAddress(URI uri, String host, int port) throws ToolException {
        InetAddress[] addresses;
        try {
            var literal = AddressRules.looseIpv4(host);
            addresses = literal != null ? new InetAddress[] {literal} : InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new ToolException("cannot resolve " + host + " (" + e.getMessage() + ")");
        }
        for (var a : addresses) {
            String kind = AddressRules.internal(a);
            if (kind == null || allowed.stream().anyMatch(x -> x.matches(host, a, port))) continue;
            throw new ToolException("refused " + uri + ": " + host + " is " + a.getHostAddress() + ", " + kind
                    + ". fetch_url does not reach loopback, private, link-local or other internal addresses (protection against "
                    + "reaching local services and sending data out around the sandbox). A person can allow it on purpose in "
                    + "the config: fetch: {allow_private: [\"" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "\"]}");
        }
        return addresses[0];
    }

    private static Socket tls(Socket plain, String host, int port) throws IOException {
        var ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true);
        var params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host of the URL
        if (AddressRules.looseIpv4(host) == null && !host.contains(":")) params.setServerNames(List.of(new SNIHostName(host)));
        ssl.setSSLParameters(params);
        ssl.startHandshake();
        return ssl;
    }

    private int remainingMillis(long deadline, String host) throws ToolException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) throw new ToolException("no answer from " + host + " within " + timeout.toSeconds() + " s");
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private Response read(URI uri, InputStream in, long deadline) throws IOException, ToolException {
        int status;
        Map<String, String> headers;
        do { // skip 1xx interim answers
            var statusLine = line(in);
            var fields = statusLine.split(" ", 3);
            if (fields.length < 2 || !fields[0].startsWith("HTTP/")) throw new ToolException(uri.getHost() + " did not answer in HTTP");
            try {
                status = Integer.parseInt(fields[1]);
            } catch (NumberFormatException e) {
                throw new ToolException(uri.getHost() + " sent a bad status line: " + statusLine);
            }
            headers = new HashMap<>();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) headers.putIfAbsent(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
                if (headers.size() > 200) throw new ToolException(uri.getHost() + " sent too many headers");
            }
        } while (status >= 100 && status < 200);
        InputStream body = in;
        if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) body = new Chunked(in);
        else if (headers.containsKey("content-length")) {
            try {
                body = new Limited(in, Long.parseLong(headers.get("content-length")));
            } catch (NumberFormatException e) {
                throw new ToolException(uri.getHost() + " sent a bad Content-Length");
            }
        }
        var out = new ByteArrayOutputStream();
        var buf = new byte[8192];
        boolean cut = false;
        for (int n; (n = body.read(buf)) >= 0; ) {
            if (System.nanoTime() > deadline) throw new SocketTimeoutException();
            int room = maxBytes - out.size();
            out.write(buf, 0, Math.min(n, room));
            if (n > room) {
                cut = true;
                break;
            }
        }
        return new Response(uri, status, headers, out.toByteArray(), cut);
    }

    /** One CRLF-terminated header line, bounded. */
    private static String line(InputStream in) throws IOException, ToolException {
        var sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                if (sb.isEmpty()) throw new ToolException("the server closed the connection without an answer");
                break;
            }
            if (c != '\r') sb.append((char) c);
            if (sb.length() > 16_384) throw new ToolException("the server sent a header line longer than 16 KB");
        }
        return sb.toString();
    }

    /** A body stream that reads in blocks; a single byte is a block of one. */
    private abstract static class BodyStream extends InputStream {
        @Override
        public int read() throws IOException {
            var one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }

    /** A body of Content-Length bytes. */
    private static final class Limited extends BodyStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }

    /** A chunked body (RFC 9112 section 7.1), trailers ignored. */
    private static final class Chunked extends BodyStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            if (left == 0) {
                try {
                    var size = line(in);
                    if (size.isEmpty()) size = line(in); // the CRLF after the previous chunk
                    int semi = size.indexOf(';');
                    left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).strip(), 16);
                } catch (ToolException | NumberFormatException e) {
                    throw new IOException("bad chunked encoding: " + e.getMessage(), e);
                }
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new IOException("the connection closed inside a chunk");
            left -= n;
            return n;
        }
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
