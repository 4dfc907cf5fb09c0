package ai.apprentice.server;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The web UI, served by the server itself: pages rendered here as plain HTML (a layout, forms, and what is read from
 * files, such as evaluations), and small scripts under {@code /assets} that call the JSON API under {@code /api} with
 * the session cookie and build the DOM from text only. No inline scripts, nothing from another origin: every page is
 * sent with a Content-Security-Policy that allows this origin's scripts and styles and nothing else.
 * <p>
 * A browser signs in once with a token at {@code /login} and keeps the cookie {@code apprentice_session}. State-changing
 * {@code /api} and {@code /v1} calls made with that cookie (not with a bearer token) must carry the header {@code X-Apprentice-UI},
 * which a cross-site form cannot send: a second defence besides SameSite=Strict and the Origin check.
 */
final class WebUi {
    static final String CSRF_HEADER = "X-Apprentice-UI";
    static final String PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    /** An evaluation report is a stored file with inline styles and SVG: no scripts at all, nothing loaded. */
    static final String REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'; sandbox";
    private static final Pattern ASSET = Pattern.compile("[a-z0-9-]+\\.(js|css)");
    private static final Pattern EVAL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}");
    private static final String HTMX = "/META-INF/resources/webjars/htmx.org/2.0.10/dist/htmx.min.js";
    private static final Set<String> PAGE_PREFIXES = Set.of("/runs/", "/sessions/", "/evals/");
    private static final Set<String> PAGES = Set.of("/", "/runs", "/sessions", "/memory", "/skills", "/evals", "/triggers");

    private final Auth auth;
    private final Path evals;

    WebUi(Auth auth, Path home) {
        this.auth = auth;
        this.evals = home.resolve("evals");
    }

    /** A page a browser asks for (not the API): without a session it is sent to /login instead of a 401. */
    static boolean isPage(Context ctx) {
        var path = ctx.path();
        var method = ctx.method().name();
        if (path.equals("/logout")) return true;
        if (!method.equals("GET") && !method.equals("HEAD")) return false;
        return PAGES.contains(path) || PAGE_PREFIXES.stream().anyMatch(path::startsWith);
    }

    void routes(RoutesConfig r) {
        r.before(this::csrf);
        r.get("/login", ctx -> login(ctx, 200, null));
        r.post("/login", this::signIn);
        r.post("/logout", this::signOut);
        r.get("/assets/htmx.min.js", ctx -> asset(ctx, HTMX, "text/javascript"));
        r.get("/assets/{file}", ctx -> {
            var file = ctx.pathParam("file");
            if (!ASSET.matcher(file).matches()) throw ApiException.notFound("No asset " + file);
            asset(ctx, "ui/" + file, file.endsWith(".js") ? "text/javascript" : "text/css");
        });
        r.get("/", ctx -> page(ctx, "Runs", "runs", null, """
                <h1>Runs</h1>
                <section aria-labelledby="new-task-h">
                  <h2 id="new-task-h">Start a task</h2>
                  <form id="new-task" class="stack">
                    <label for="task">Task</label>
                    <textarea id="task" name="task" rows="3" required></textarea>
                    <label for="workspace">Workspace <span class="hint">(optional, under the server's root)</span></label>
                    <input id="workspace" name="workspace" type="text" autocomplete="off">
                    <div><button type="submit">Start</button></div>
                  </form>
                </section>
                <section aria-labelledby="runs-h">
                  <h2 id="runs-h">Recent runs <button type="button" id="refresh" class="small">Refresh</button></h2>
                  <div id="runs-list" aria-live="polite"><p class="muted">Loading…</p></div>
                </section>
                """));
        r.get("/runs", ctx -> ctx.redirect("/"));
        r.get("/runs/{id}", ctx -> page(ctx, "Run " + ctx.pathParam("id"), "run", ctx.pathParam("id"), """
                <p><a href="/">← Runs</a></p>
                <h1>Run <code id="run-id"></code></h1>
                <dl id="run-summary" class="summary"></dl>
                <section id="approvals" aria-labelledby="approvals-h" hidden>
                  <h2 id="approvals-h">Waiting for your approval</h2>
                  <div id="approval-list" class="approval-list"></div>
                </section>
                <section aria-labelledby="events-h">
                  <h2 id="events-h">Events</h2>
                  <div id="events" class="events" aria-live="polite"></div>
                </section>
                <section aria-labelledby="feedback-h">
                  <h2 id="feedback-h">Feedback</h2>
                  <p id="feedback-summary" class="muted"></p>
                  <form id="feedback" class="stack">
                    <fieldset>
                      <legend>Rating</legend>
                      <input type="radio" id="rating-good" name="rating" value="good"><label for="rating-good">👍 Good</label>
                      <input type="radio" id="rating-bad" name="rating" value="bad"><label for="rating-bad">👎 Bad</label>
                      <input type="radio" id="rating-none" name="rating" value="" checked><label for="rating-none">No rating</label>
                    </fieldset>
                    <label for="correction">Correction <span class="hint">(what the agent should have done)</span></label>
                    <textarea id="correction" name="correction" rows="3"></textarea>
                    <div><button type="submit">Send feedback</button></div>
                    <p id="feedback-status" role="status"></p>
                  </form>
                </section>
                """));
        r.get("/sessions", ctx -> page(ctx, "Sessions", "sessions", null, """
                <h1>Sessions</h1>
                <section aria-labelledby="new-session-h">
                  <h2 id="new-session-h">New session</h2>
                  <form id="new-session" class="stack">
                    <label for="title">Title <span class="hint">(optional)</span></label>
                    <input id="title" name="title" type="text" autocomplete="off">
                    <label for="workspace">Workspace <span class="hint">(optional, under the server's root)</span></label>
                    <input id="workspace" name="workspace" type="text" autocomplete="off">
                    <div><button type="submit">Create</button></div>
                  </form>
                </section>
                <section aria-labelledby="sessions-h">
                  <h2 id="sessions-h">Sessions</h2>
                  <div id="sessions-list"><p class="muted">Loading…</p></div>
                </section>
                """));
        r.get("/sessions/{id}", ctx -> page(ctx, "Session " + ctx.pathParam("id"), "chat", ctx.pathParam("id"), """
                <p><a href="/sessions">← Sessions</a></p>
                <h1 id="session-title">Session</h1>
                <div id="turns" class="turns" aria-live="polite"></div>
                <form id="message" class="stack">
                  <label for="text">Message</label>
                  <textarea id="text" name="text" rows="3" required></textarea>
                  <div><button type="submit">Send</button></div>
                </form>
                """));
        r.get("/memory", ctx -> page(ctx, "Memory", "memory", null, """
                <h1>Memory</h1>
                <section aria-labelledby="mem-h"><h2 id="mem-h">Memories</h2><div id="memory-list"><p class="muted">Loading…</p></div></section>
                <section aria-labelledby="hist-h"><h2 id="hist-h">History</h2><div id="memory-history"><p class="muted">Loading…</p></div></section>
                """));
        r.get("/skills", ctx -> page(ctx, "Skills", "skills", null, """
                <h1>Skills</h1>
                <div id="skills-list"><p class="muted">Loading…</p></div>
                """));
        // filled from /api/triggers, which apprentice serve's triggers serve (the page says so when a server has none)
        r.get("/triggers", ctx -> page(ctx, "Triggers", "triggers", null, """
                <h1>Triggers</h1>
                <p class="muted">Tasks started by a schedule, a signed webhook or a watched folder. Their runs are listed under Runs with the origin trigger:NAME.</p>
                <section aria-labelledby="triggers-h">
                  <h2 id="triggers-h">Triggers <button type="button" id="refresh" class="small">Refresh</button></h2>
                  <p id="triggers-status" role="status"></p>
                  <div id="triggers-list" aria-live="polite"><p class="muted">Loading…</p></div>
                </section>
                <section aria-labelledby="trigger-form-h">
                  <h2 id="trigger-form-h">Add a trigger</h2>
                  <form id="trigger-form" class="stack">
                    <label for="t-name">Name <span class="hint">(A-Z a-z 0-9 _ . -; a webhook is served at /hooks/NAME)</span></label>
                    <input id="t-name" name="name" type="text" autocomplete="off" required>
                    <fieldset>
                      <legend>Started by</legend>
                      <input type="radio" id="kind-schedule" name="kind" value="schedule" checked><label for="kind-schedule">A schedule</label>
                      <input type="radio" id="kind-webhook" name="kind" value="webhook"><label for="kind-webhook">A webhook</label>
                      <input type="radio" id="kind-watch" name="kind" value="watch"><label for="kind-watch">A watched folder</label>
                    </fieldset>
                    <fieldset id="f-schedule">
                      <legend>Schedule</legend>
                      <label for="t-cron">Cron <span class="hint">(minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5)</span></label>
                      <input id="t-cron" name="cron" type="text" autocomplete="off">
                      <label for="t-tz">Time zone <span class="hint">(e.g. Europe/Berlin; default: the server's)</span></label>
                      <input id="t-tz" name="tz" type="text" autocomplete="off">
                      <label for="t-missed">A fire due while no server ran</label>
                      <select id="t-missed" name="missed"><option value="run-once">runs once after the start</option><option value="skip">is skipped</option></select>
                    </fieldset>
                    <fieldset id="f-webhook" hidden>
                      <legend>Webhook</legend>
                      <label for="t-secret">Environment variable with the secret <span class="hint">(default APPRENTICE_WEBHOOK_SECRET, for GitHub GITHUB_WEBHOOK_SECRET)</span></label>
                      <input id="t-secret" name="secret_env" type="text" autocomplete="off">
                      <div><input type="checkbox" id="t-github" name="github"><label for="t-github">From GitHub (its signatures and events; answers posted as comments)</label></div>
                      <label for="t-mention">Mention that starts a run <span class="hint">(GitHub; default @apprentice)</span></label>
                      <input id="t-mention" name="mention" type="text" autocomplete="off">
                      <label for="t-token">Environment variable with the token for comments <span class="hint">(GitHub; default GITHUB_TOKEN)</span></label>
                      <input id="t-token" name="token_env" type="text" autocomplete="off">
                      <label for="t-api">GitHub API <span class="hint">(default https://api.github.com)</span></label>
                      <input id="t-api" name="api_url" type="text" autocomplete="off">
                    </fieldset>
                    <fieldset id="f-watch" hidden>
                      <legend>Watched folder</legend>
                      <label for="t-watch">Folder in the workspace <span class="hint">(new or changed files start the task with {{path}})</span></label>
                      <input id="t-watch" name="watch" type="text" autocomplete="off">
                    </fieldset>
                    <label for="t-task">Task <span class="hint">({{placeholders}} come from the event, e.g. {{pull_request.title}}, {{path}})</span></label>
                    <textarea id="t-task" name="task" rows="3" required></textarea>
                    <label for="t-workspace">Workspace <span class="hint">(optional, under the server's root)</span></label>
                    <input id="t-workspace" name="workspace" type="text" autocomplete="off">
                    <div><button type="submit" id="t-submit">Add</button> <button type="button" id="t-cancel" class="secondary" hidden>Cancel editing</button></div>
                    <p id="t-status" role="status"></p>
                  </form>
                </section>
                """));
        r.get("/evals", this::evalList);
        r.get("/evals/{id}", ctx -> ctx.redirect("/evals/" + evalId(ctx) + "/report"));
        r.get("/evals/{id}/report", this::evalReport);
    }

    // ---- sign-in ----

    /** Cookie-authenticated state changes on the API need the UI's header, which another site's form cannot add. */
    private void csrf(Context ctx) {
        if (!ctx.path().startsWith("/api/") && !ctx.path().startsWith("/v1/")) return;
        var m = ctx.method().name();
        if (m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS")) return;
        if (ctx.header("Authorization") != null || ctx.cookie(Auth.COOKIE) == null) return;
        if (ctx.header(CSRF_HEADER) == null) {
            throw ApiException.forbidden("A browser session's " + m + " needs the header " + CSRF_HEADER + " (the web UI sends it); scripts use a bearer token");
        }
    }

    private void login(Context ctx, int status, String error) {
        secure(ctx, PAGE_CSP);
        var sb = new StringBuilder(head("Sign in"));
        sb.append("<body class=\"login\"><main id=\"main\"><h1>apprentice</h1><form method=\"post\" action=\"/login\" class=\"stack\">");
        if (error != null) sb.append("<p class=\"error\" role=\"alert\">").append(esc(error)).append("</p>");
        sb.append("""
                <label for="token">Token</label>
                <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
                <p class="hint">A token from <code>apprentice serve token create</code>, or the one given with <code>--token</code>.</p>
                <div><button type="submit">Sign in</button></div>
                </form></main></body></html>
                """);
        ctx.status(status).contentType("text/html; charset=utf-8").result(sb.toString());
    }

    private void signIn(Context ctx) {
        var session = auth.signIn(ctx.formParam("token"));
        if (session.isEmpty()) {
            login(ctx, 401, "That token is not valid (unknown or revoked).");
            return;
        }
        var cookie = new Cookie(Auth.COOKIE, session.get());
        cookie.setPath("/");
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setSecure("https".equals(ctx.scheme()));
        ctx.cookie(cookie);
        ctx.redirect("/");
    }

    private void signOut(Context ctx) {
        auth.signOut(ctx.cookie(Auth.COOKIE));
        var cookie = new Cookie(Auth.COOKIE, "");
        cookie.setPath("/");
        cookie.setMaxAge(0);
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setSecure("https".equals(ctx.scheme()));
        ctx.cookie(cookie);
        ctx.redirect("/login");
    }

    // ---- layout ----

    private static void secure(Context ctx, String csp) {
        ctx.header("Content-Security-Policy", csp);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin"); // no-referrer would make Chrome send "Origin: null" on form posts
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Cache-Control", "no-store");
    }

    private static String head(String title) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + esc(title) + " · apprentice</title><link rel=\"stylesheet\" href=\"/assets/app.css\">"
                + "<script src=\"/assets/app.js\" defer></script></head>";
    }

    private static final List<String[]> NAV = List.of(new String[] {"/", "Runs", "runs"}, new String[] {"/sessions", "Sessions", "sessions"},
            new String[] {"/evals", "Evaluations", "evals"}, new String[] {"/memory", "Memory", "memory"}, new String[] {"/skills", "Skills", "skills"},
            new String[] {"/triggers", "Triggers", "triggers"});

    /** The layout around {@code main}: a skip link, the navigation and sign-out; {@code id} is handed to the page's script. */
    private static void page(Context ctx, String title, String name, String id, String main) {
        secure(ctx, PAGE_CSP);
        var sb = new StringBuilder(head(title));
        sb.append("<body data-page=\"").append(esc(name)).append('"');
        if (id != null) sb.append(" data-id=\"").append(esc(id)).append('"');
        sb.append("><a class=\"skip\" href=\"#main\">Skip to content</a><header><nav aria-label=\"Main\"><span class=\"brand\">apprentice</span>");
        for (var n : NAV) {
            sb.append("<a href=\"").append(n[0]).append('"');
            if (n[2].equals(name) || (name.equals("run") && n[2].equals("runs")) || (name.equals("chat") && n[2].equals("sessions"))
                    || (name.equals("report") && n[2].equals("evals"))) sb.append(" aria-current=\"page\"");
            sb.append('>').append(n[1]).append("</a>");
        }
        sb.append("</nav><form method=\"post\" action=\"/logout\"><button type=\"submit\" class=\"small\">Sign out</button></form></header>");
        sb.append("<div id=\"alert\" class=\"error\" role=\"alert\" hidden></div><main id=\"main\" tabindex=\"-1\">").append(main)
                .append("</main></body></html>\n");
        ctx.contentType("text/html; charset=utf-8").result(sb.toString());
    }

    private static void asset(Context ctx, String resource, String type) {
        try (InputStream in = WebUi.class.getResourceAsStream(resource)) {
            if (in == null) throw ApiException.notFound("No asset " + ctx.path());
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Cache-Control", "no-cache");
            ctx.contentType(type + "; charset=utf-8").result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Text for HTML element content and double- or single-quoted attributes. */
    static String esc(String s) {
        if (s == null) return "";
        var sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    // ---- evaluations: the folders apprentice eval writes under $APPRENTICE_HOME/evals ----

    private String evalId(Context ctx) {
        var id = ctx.pathParam("id");
        if (!EVAL_ID.matcher(id).matches() || id.contains("..")) throw ApiException.notFound("No evaluation " + id);
        return id;
    }

    private static JsonNode readJson(Path file) {
        try {
            return Files.isRegularFile(file) ? Json.MAPPER.readTree(file.toFile()) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void evalList(Context ctx) throws IOException {
        var rows = new ArrayList<Path>();
        if (Files.isDirectory(evals)) {
            try (var s = Files.list(evals)) {
                s.filter(p -> Files.isRegularFile(p.resolve("meta.json")) || Files.isRegularFile(p.resolve("summary.json"))).forEach(rows::add);
            }
        }
        rows.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        var sb = new StringBuilder("<h1>Evaluations</h1>");
        if (rows.isEmpty()) {
            sb.append("<p class=\"muted\">No evaluations yet. Run one with <code>apprentice eval ENV</code>; it is listed here.</p>");
        } else {
            sb.append("<table><thead><tr><th scope=\"col\">Evaluation</th><th scope=\"col\">Environment</th><th scope=\"col\">Agent</th>"
                    + "<th scope=\"col\">Tasks</th><th scope=\"col\">Trials</th><th scope=\"col\">Mean reward</th><th scope=\"col\">Cost</th></tr></thead><tbody>");
            for (var folder : rows) {
                var id = folder.getFileName().toString();
                var meta = readJson(folder.resolve("meta.json"));
                var summary = readJson(folder.resolve("summary.json"));
                var env = summary != null ? summary.path("env").asText() : meta != null ? meta.path("env").asText() : "";
                var split = summary != null ? summary.path("split").asText() : meta != null ? meta.path("split").asText() : "";
                String agent = "";
                if (meta != null) agent = !meta.path("agent").asText().isEmpty() ? meta.path("agent").asText() : meta.path("model").asText();
                sb.append("<tr><td>");
                if (summary != null) sb.append("<a href=\"/evals/").append(esc(id)).append("/report\">").append(esc(id)).append("</a>");
                else sb.append(esc(id)).append(" <span class=\"muted\">(unfinished)</span>");
                sb.append("</td><td>").append(esc(env)).append(split.isEmpty() ? "" : " / " + esc(split)).append("</td><td>").append(esc(agent))
                        .append("</td><td>").append(summary != null ? summary.path("tasks").asInt() : "").append("</td><td>")
                        .append(summary != null ? summary.path("trials").asInt() : "").append("</td><td>")
                        .append(summary != null ? String.format(Locale.ROOT, "%.3f", summary.path("mean_reward").asDouble()) : "").append("</td><td>")
                        .append(summary != null ? String.format(Locale.ROOT, "$%.4f", summary.path("cost_usd").asDouble()) : "").append("</td></tr>");
            }
            sb.append("</tbody></table>");
        }
        page(ctx, "Evaluations", "evals", null, sb.toString());
    }

    /** The evaluation's report: its stored report.html, else one made now from its summary and trials (as apprentice eval --report does). */
    private void evalReport(Context ctx) throws IOException {
        var id = evalId(ctx);
        var folder = evals.resolve(id);
        if (!Files.isRegularFile(folder.resolve("report.html")) && !(readJson(folder.resolve("summary.json")) instanceof ObjectNode)) {
            throw ApiException.notFound(Files.isDirectory(folder) ? "Evaluation " + id + " has not finished (no summary.json); resume it with apprentice eval resume " + id
                    : "No evaluation " + id + ". See /evals");
        }
        var html = EvalsApi.reportHtml(folder);
        secure(ctx, REPORT_CSP);
        ctx.contentType("text/html; charset=utf-8").result(html);
    }
}
