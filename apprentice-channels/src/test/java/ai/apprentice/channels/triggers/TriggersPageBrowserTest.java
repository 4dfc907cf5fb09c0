package ai.apprentice.channels.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI's Triggers page in a real headless Chromium (Debian's chromium and chromium-driver) against a real server
 * with triggers: add a schedule from the keyboard, see a bad one refused, edit it, fire it, remove it.
 */
class TriggersPageBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    @TempDir Path home;
    @TempDir Path root;
    final TestClock clock = new TestClock("2026-03-02T10:30:00Z");
    TriggerServer server;
    WebDriver driver;
    Path profile;

    @BeforeEach
    void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("The browser tests need Debian's chromium and chromium-driver: apt-get install chromium chromium-driver");
        }
        Files.writeString(root.resolve("script.jsonl"), "{\"text\": \"Fired from the page.\"}\n");
        server = new TriggerServer(home, root, clock, Map.of());
        System.setProperty("SE_AVOID_STATS", "true");
        profile = Files.createTempDirectory("apprentice-chromium");
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1366,900", "--user-data-dir=" + profile);
        var service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withEnvironment(Map.of("SE_AVOID_STATS", "true")).build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (driver != null) driver.quit();
        } finally {
            server.close();
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    private void awaitText(By by, String text) {
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    @Test
    void aScheduleIsAddedEditedFiredAndRemovedFromThePage() throws Exception {
        driver.get(server.url("/triggers"));
        waiting().until(ExpectedConditions.urlToBe(server.url("/login")));
        var token = driver.findElement(By.id("token"));
        token.sendKeys(TriggerServer.TOKEN);
        token.submit();
        driver.get(server.url("/triggers"));
        awaitText(By.id("triggers-list"), "No triggers yet");
        assertThat(driver.findElement(By.cssSelector("nav a[aria-current=page]")).getText()).isEqualTo("Triggers");

        // from the keyboard: type into each field, Tab between them, Enter submits
        driver.findElement(By.id("t-name")).sendKeys("nightly");
        driver.findElement(By.id("t-cron")).sendKeys("61 2 * * *");
        driver.findElement(By.id("t-tz")).sendKeys("UTC");
        driver.findElement(By.id("t-task")).sendKeys("Tidy the <b>logs</b>");
        driver.findElement(By.id("t-workspace")).sendKeys("ops", Keys.ENTER);
        awaitText(By.id("t-status"), "Value 61 not in range");
        var cron = driver.findElement(By.id("t-cron"));
        cron.clear();
        cron.sendKeys("30 2 * * *", Keys.ENTER);
        awaitText(By.id("t-status"), "Added nightly");
        awaitText(By.cssSelector("tr[data-trigger=nightly]"), "Tidy the <b>logs</b>");
        assertThat(driver.findElements(By.cssSelector("#triggers-list b"))).as("task text is text, not markup").isEmpty();
        assertThat(server.triggers.store().get("nightly").orElseThrow().workspace()).isEqualTo("ops");

        driver.findElement(By.cssSelector("button[aria-label='Edit nightly']")).click();
        awaitText(By.id("trigger-form-h"), "Edit trigger nightly");
        assertThat(driver.findElement(By.id("t-cron")).getAttribute("value")).isEqualTo("30 2 * * *");
        assertThat(driver.findElement(By.id("t-name")).getAttribute("readonly")).isNotNull();
        var task = driver.findElement(By.id("t-task"));
        task.clear();
        task.sendKeys("Tidy the logs and report");
        driver.findElement(By.id("t-submit")).click();
        awaitText(By.id("t-status"), "Saved nightly");
        awaitText(By.cssSelector("tr[data-trigger=nightly]"), "Tidy the logs and report");
        assertThat(server.triggers.store().get("nightly").orElseThrow().task()).isEqualTo("Tidy the logs and report");

        driver.findElement(By.cssSelector("button[aria-label='Fire nightly now']")).click();
        awaitText(By.id("triggers-status"), "Started");
        var runId = server.triggers.store().fires("nightly", 1).get(0).runId();
        assertThat(server.awaitFinished(runId).path("origin").asText()).isEqualTo("trigger:nightly");
        driver.findElement(By.id("refresh")).click();
        awaitText(By.cssSelector("tr[data-trigger=nightly]"), "started");

        driver.findElement(By.cssSelector("button[aria-label='Remove nightly']")).click();
        driver.switchTo().alert().accept();
        awaitText(By.id("triggers-list"), "No triggers yet");
        assertThat(server.triggers.store().list()).isEmpty();
    }
}
