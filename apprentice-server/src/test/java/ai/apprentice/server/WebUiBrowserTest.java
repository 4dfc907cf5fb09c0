package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.envs.sql.SqlEnvironment;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.GoldPolicy;
import ai.apprentice.eval.Summary;
import ai.apprentice.json.Json;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real headless Chromium (Debian's chromium and chromium-driver) against a real server over a real
 * harness with a scripted model: sign in, start a task and watch it stream, approve a pending action, give feedback,
 * chat in a session, see attacker-controlled text rendered as text, open an evaluation report. One browser for the
 * class; each test's last page is kept as a screenshot under target/screenshots.
 */
class WebUiBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(30);
    static WebDriver driver;
    static Path profile;

    @TempDir Path home;
    @TempDir Path root;
    TestServer server;

    @BeforeAll
    static void browser() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("The browser tests need Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "): apt-get install chromium chromium-driver (.ci/run installs them)");
        }
        // Selenium Manager must neither download a driver nor report usage: the driver and the browser are given.
        System.setProperty("SE_AVOID_STATS", "true");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        profile = Files.createTempDirectory("apprentice-chromium");
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1366,900",
                "--user-data-dir=" + profile);
        var service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withEnvironment(Map.of("SE_AVOID_STATS", "true")).build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
    }

    @AfterAll
    static void quit() throws Exception {
        if (driver != null) driver.quit();
        if (profile != null) {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @BeforeEach
    void freshBrowser() {
        // cookies belong to the host, not the port: every test's server starts signed out
        driver.get("about:blank");
        ((ChromeDriver) driver).executeCdpCommand("Network.clearBrowserCookies", Map.of());
    }

    @AfterEach
    void screenshotAndStop(TestInfo info) throws Exception {
        try {
            var dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            var png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
            Files.write(dir.resolve(info.getTestMethod().orElseThrow().getName() + ".png"), png);
        } finally {
            if (server != null) server.close();
        }
    }

    // ---- helpers ----

    WebDriverWait waiting() {
        return new WebDriverWait(driver, WAIT);
    }

    WebElement await(By by) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    void awaitText(By by, String text) {
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    /** The text of the element {@code by} finds, found again if the page re-rendered it meanwhile (a live view does). */
    String textOf(By by) {
        return waiting().ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> d.findElement(by).getText());
    }

    /** Opens the server's root, is sent to the sign-in page, and signs in with the token through the form. */
    void signIn() {
        driver.get(server.url("/"));
        waiting().until(ExpectedConditions.urlToBe(server.url("/login")));
        var token = await(By.id("token"));
        token.sendKeys(TestServer.TOKEN);
        token.submit();
        waiting().until(ExpectedConditions.urlToBe(server.url("/")));
        awaitText(By.tagName("h1"), "Runs");
    }

    /** Types a task into the start form, starts it, and returns the run id of the page it lands on. */
    String startTask(String task) {
        await(By.id("task")).sendKeys(task);
        driver.findElement(By.cssSelector("#new-task button[type=submit]")).click();
        waiting().until(ExpectedConditions.urlMatches("/runs/[^/]+$"));
        var url = driver.getCurrentUrl();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    void assertNoAlert() {
        try {
            var alert = driver.switchTo().alert();
            throw new AssertionError("a script ran and opened an alert: " + alert.getText());
        } catch (NoAlertPresentException expected) {
            // no script ran
        }
    }

    // ---- tests ----

    @Test
    void signingInWithTheFormGivesAStrictHttpOnlyCookieAndABadTokenIsRefused() throws Exception {
        server = new TestServer(home, root, "{\"text\": \"ok\"}\n", Map.of());
        driver.get(server.url("/runs/anything"));
        waiting().until(ExpectedConditions.urlToBe(server.url("/login")));
        var token = await(By.id("token"));
        token.sendKeys("not-the-token-at-all");
        token.submit();
        awaitText(By.cssSelector("[role=alert]"), "not valid");
        assertThat(driver.manage().getCookieNamed(Auth.COOKIE)).isNull();

        signIn();
        var cookie = driver.manage().getCookieNamed(Auth.COOKIE);
        assertThat(cookie).isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat(cookie.getPath()).isEqualTo("/");

        // the cookie works for reading; a change made with it needs the UI's header, which a cross-site form cannot send
        var withCookie = HttpRequest.newBuilder(URI.create(server.url("/api/runs"))).header("Cookie", Auth.COOKIE + "=" + cookie.getValue())
                .header("Content-Type", "application/json");
        assertThat(server.send(withCookie.copy().GET().build()).status()).isEqualTo(200);
        var forged = server.send(withCookie.copy().POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"forged\"}")).build());
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.json().path("error").path("message").asText()).contains(WebUi.CSRF_HEADER);
        assertThat(server.get("/api/runs").json().path("runs")).as("the forged request started nothing").isEmpty();
        // without a session, the API still answers a JSON 401 (no redirect)
        var anonymous = server.send(HttpRequest.newBuilder(URI.create(server.url("/api/runs"))).GET().build());
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.contentType()).startsWith("application/json");

        // UI pages carry a CSP without inline scripts
        var page = server.http.send(server.request("/").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'self'").contains("script-src 'self'")
                .doesNotContain("unsafe-inline");

        driver.findElement(By.cssSelector("form[action='/logout'] button")).click();
        waiting().until(ExpectedConditions.urlToBe(server.url("/login")));
        driver.get(server.url("/"));
        waiting().until(ExpectedConditions.urlToBe(server.url("/login")));
        assertThat(server.send(withCookie.copy().GET().build()).status()).as("the signed-out session no longer works").isEqualTo(401);
    }

    @Test
    void aTaskStartedFromTheUiStreamsItsToolCallDiffResultAndAnswer() throws Exception {
        server = new TestServer(home, root, """
                {"delay_ms": 300, "text": "Writing the file.", "tool_calls": [{"name": "write_file", "arguments": {"path": "out.txt", "content": "hello from the ui"}}]}
                {"text": "Done: wrote out.txt."}
                """, Map.of());
        signIn();
        var id = startTask("write hello to out.txt");
        awaitText(By.id("run-task"), "write hello to out.txt");
        var call = await(By.cssSelector(".ev.tool-call"));
        assertThat(call.findElement(By.cssSelector(".tool-name")).getText()).isEqualTo("write_file");
        assertThat(call.findElement(By.cssSelector(".diff .add")).getText()).isEqualTo("+ hello from the ui");
        awaitText(By.id("final-" + id), "Done: wrote out.txt.");
        assertThat(textOf(By.id("final-" + id))).contains("succeeded");
        assertThat(textOf(By.cssSelector(".ev.tool-result"))).contains("Result of write_file");
        assertThat(textOf(By.cssSelector(".ev.step[data-step='1'] .ev-text"))).isEqualTo("Writing the file.");
        assertThat(textOf(By.cssSelector(".ev.permission.allowed"))).startsWith("Allowed by");
        assertThat(Files.readString(root.resolve("out.txt"))).isEqualTo("hello from the ui");

        // the run list shows it with its status and cost, linked to its page
        driver.findElement(By.linkText("Runs")).click();
        var row = await(By.cssSelector("tr[data-run='" + id + "']"));
        assertThat(row.getText()).contains("write hello to out.txt").contains("succeeded").contains("$");
        row.findElement(By.tagName("a")).click();
        waiting().until(ExpectedConditions.urlToBe(server.url("/runs/" + id)));
        awaitText(By.id("final-" + id), "Done: wrote out.txt.");
    }

    @Test
    void inAskModeThePendingActionIsApprovedFromTheUiWithAReasonAndTheRunFinishes() throws Exception {
        server = new TestServer(home, root, """
                {"text": "I will write a.txt.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "approved"}}]}
                {"text": "Written after approval."}
                """, Map.of("approve", "ask"));
        signIn();
        var id = startTask("write a.txt");
        // the card shows the call's arguments; the stored tool_call event comes with the decision
        var card = await(By.cssSelector("#approvals .approval"));
        assertThat(card.getText()).contains("write_file").contains("+ approved");
        assertThat(root.resolve("a.txt")).as("nothing is written before the answer").doesNotExist();
        card.findElement(By.cssSelector("input[name=reason]")).sendKeys("looks right");
        card.findElement(By.cssSelector("button.allow")).click();

        awaitText(By.id("final-" + id), "Written after approval.");
        assertThat(textOf(By.cssSelector(".ev.answered"))).contains("Approved (once)").contains("looks right");
        assertThat(textOf(By.cssSelector(".ev.permission.allowed"))).startsWith("Allowed by");
        // the second step's text arrived as live model_delta events, after the page was already watching
        assertThat(driver.findElement(By.cssSelector(".ev.step[data-step='2']")).getAttribute("data-streamed")).isEqualTo("live");
        assertThat(driver.findElements(By.cssSelector("#approvals .approval"))).isEmpty();
        assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("approved");
        assertThat(server.get("/api/approvals?run=" + id).json().path("approvals")).isEmpty();
    }

    @Test
    void thumbsDownWithACorrectionIsStoredOnTheRun() throws Exception {
        server = new TestServer(home, root, "{\"text\": \"The capital is Lyon.\"}\n", Map.of());
        signIn();
        var id = startTask("what is the capital of France?");
        awaitText(By.id("final-" + id), "The capital is Lyon.");
        driver.findElement(By.cssSelector("label[for=rating-bad]")).click();
        driver.findElement(By.id("correction")).sendKeys("The capital of France is Paris.");
        driver.findElement(By.cssSelector("#feedback button[type=submit]")).click();
        awaitText(By.id("feedback-status"), "Feedback recorded");
        awaitText(By.id("feedback-summary"), "The capital of France is Paris.");

        var run = server.get("/api/runs/" + id).json();
        assertThat(run.path("feedback").path("bad").asInt()).isEqualTo(1);
        assertThat(run.path("feedback").path("good").asInt()).isEqualTo(0);
        assertThat(run.path("feedback").path("last_correction").asText()).isEqualTo("The capital of France is Paris.");
        var events = server.get("/api/runs/" + id + "?events=true").json().path("events");
        assertThat(events).anySatisfy(e -> {
            assertThat(e.path("type").asText()).isEqualTo("feedback");
            assertThat(e.path("author").asText()).as("feedback is signed with the token the browser signed in with").isEqualTo("serve --token");
        });
    }

    @Test
    void aSessionChatStreamsEachAnswerAndKeepsTheConversation() throws Exception {
        server = new TestServer(home, root, "{\"text\": \"Hello, human.\"}\n{\"text\": \"You said hello before.\"}\n", Map.of());
        signIn();
        driver.findElement(By.linkText("Sessions")).click();
        await(By.id("title")).sendKeys("greetings");
        driver.findElement(By.cssSelector("#new-session button[type=submit]")).click();
        waiting().until(ExpectedConditions.urlMatches("/sessions/[^/]+$"));
        awaitText(By.id("session-title"), "greetings");
        await(By.id("text")).sendKeys("hello");
        driver.findElement(By.cssSelector("#message button[type=submit]")).click();
        awaitText(By.cssSelector(".turn:nth-child(1) .answer"), "Hello, human.");
        await(By.id("text")).sendKeys("what did I say?");
        driver.findElement(By.cssSelector("#message button[type=submit]")).click();
        awaitText(By.cssSelector(".turn:nth-child(2) .answer"), "You said hello before.");

        driver.navigate().refresh();
        awaitText(By.cssSelector(".turn:nth-child(2) .answer"), "You said hello before.");
        assertThat(textOf(By.cssSelector(".turn:nth-child(1) .user"))).isEqualTo("hello");
        var sid = driver.getCurrentUrl().substring(driver.getCurrentUrl().lastIndexOf('/') + 1);
        assertThat(server.get("/api/sessions/" + sid).json().path("messages").asInt()).isEqualTo(2);
    }

    @Test
    void attackerControlledTaskAndToolOutputRenderAsText() throws Exception {
        var evil = "<img src=x onerror=alert(1)>";
        server = new TestServer(home, root, """
                {"text": "<b>bold?</b><img src=x onerror=alert(2)>", "tool_calls": [{"name": "write_file", "arguments": {"path": "x.html", "content": "<script>alert(3)</script><img src=x onerror=alert(4)>"}}]}
                {"text": "<img src=x onerror=alert(5)>"}
                """, Map.of());
        signIn();
        var id = startTask(evil);
        awaitText(By.id("final-" + id), "<img src=x onerror=alert(5)>");
        assertThat(textOf(By.id("run-task"))).isEqualTo(evil);
        assertThat(textOf(By.cssSelector(".ev.step[data-step='1'] .ev-text"))).isEqualTo("<b>bold?</b><img src=x onerror=alert(2)>");
        assertThat(textOf(By.cssSelector(".ev.tool-call .diff"))).contains("<script>alert(3)</script>");
        assertThat(driver.findElements(By.cssSelector("main img, main b, main script"))).isEmpty();
        assertNoAlert();

        driver.findElement(By.linkText("Runs")).click();
        await(By.cssSelector("tr[data-run='" + id + "']"));
        assertThat(textOf(By.cssSelector("tr[data-run='" + id + "'] a"))).isEqualTo(evil);
        assertThat(driver.findElements(By.cssSelector("main img"))).isEmpty();
        assertNoAlert();

        // the id in a page's path is server-rendered: escaped too
        driver.get(server.url("/runs/%22%3E%3Cimg%20src=x%20onerror=alert(6)%3E"));
        await(By.id("run-id"));
        assertThat(driver.findElements(By.cssSelector("img"))).isEmpty();
        assertThat(textOf(By.id("run-id"))).isEqualTo("\"><img src=x onerror=alert(6)>");
        assertNoAlert();
    }

    @Test
    void anEvaluationWrittenByTheEvalCodeIsListedAndItsReportOpens() throws Exception {
        server = new TestServer(home, root, "{\"text\": \"ok\"}\n", Map.of());
        // what apprentice eval writes: meta.json, trials.jsonl (by the runner), summary.json, in $APPRENTICE_HOME/evals/ID
        var id = "eval-browser-test";
        var folder = home.resolve("evals").resolve(id);
        Files.createDirectories(folder);
        var meta = Json.object().put("env", "sql").put("split", "test").put("tasks", "0-1").put("agent", "gold").put("model", "").put("k", 1);
        Files.writeString(folder.resolve("meta.json"), meta.toPrettyString());
        var env = new SqlEnvironment(Files.createDirectories(home.resolve("sql-cache")));
        var results = new EvalRunner(env, "test", new GoldPolicy(), null, folder).run(List.of(0, 1), 1, 1, 0, null);
        var summary = Summary.json(env.name(), "test", results, 0);
        summary.put("id", id);
        Files.writeString(folder.resolve("summary.json"), summary.toPrettyString());
        Files.createDirectories(home.resolve("evals").resolve("eval-unfinished"));
        Files.writeString(home.resolve("evals").resolve("eval-unfinished").resolve("meta.json"), meta.toPrettyString());

        signIn();
        driver.findElement(By.linkText("Evaluations")).click();
        awaitText(By.tagName("h1"), "Evaluations");
        assertThat(textOf(By.tagName("main"))).contains("eval-unfinished").contains("(unfinished)");
        var link = driver.findElement(By.linkText(id));
        assertThat(link.findElement(By.xpath("./ancestor::tr")).getText()).contains("sql / test").contains("gold").contains("1.000");
        link.click();
        waiting().until(ExpectedConditions.urlToBe(server.url("/evals/" + id + "/report")));
        awaitText(By.tagName("h1"), "sql / test");
        assertThat(textOf(By.tagName("body"))).contains("2 tasks, 2 trials, mean reward 1.000");
        assertThat(driver.findElements(By.cssSelector("svg"))).isNotEmpty();

        var report = server.http.send(server.request("/evals/" + id + "/report").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'none'").contains("sandbox")
                .doesNotContain("script-src");
        assertThat(server.get("/evals/eval-unfinished/report").status()).isEqualTo(404);
        assertThat(server.get("/evals/..%2F..%2Fetc/report").status()).isIn(400, 404);
    }

    @Test
    void theMemoryAndSkillsPagesSayPlainlyWhenTheServerHasNoSuchApi() throws Exception {
        server = new TestServer(home, root, "{\"text\": \"ok\"}\n", Map.of());
        signIn();
        driver.findElement(By.linkText("Memory")).click();
        // depending on what the server offers, a table or a plain message; never a silent "Loading…"
        waiting().until(d -> !d.findElement(By.id("memory-list")).getText().contains("Loading"));
        waiting().until(d -> !d.findElement(By.id("memory-history")).getText().contains("Loading"));
        if (server.get("/api/memory").status() == 404) {
            assertThat(textOf(By.id("memory-list"))).contains("GET /api/memory answered 404");
        } else {
            assertThat(textOf(By.id("memory-list"))).doesNotContain("Could not load");
        }
        driver.findElement(By.linkText("Skills")).click();
        waiting().until(d -> !d.findElement(By.id("skills-list")).getText().contains("Loading"));
        if (server.get("/api/skills").status() == 404) {
            assertThat(textOf(By.id("skills-list"))).contains("GET /api/skills answered 404");
        } else {
            assertThat(textOf(By.id("skills-list"))).doesNotContain("Could not load");
        }
        // every control is reachable from the keyboard: Tab from the top lands on the skip link first
        new org.openqa.selenium.interactions.Actions(driver).sendKeys(org.openqa.selenium.Keys.TAB).perform();
        assertThat(driver.switchTo().activeElement().getText()).isEqualTo("Skip to content");
    }
}
