package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The playground end to end in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}) against the running pipeline and the simulator: what a user sees while a
 * deliberation runs, that model output cannot run script, that keys work, and that the page loads
 * nothing from another origin. One browser session serves every test. Each test saves full-page
 * screenshots, desktop (1280×800) and narrow (390 px), under {@code target/playground-screenshots/}.
 * Skipped, saying why, where no Chromium is installed; never skipped where {@code FUSION_TEST_REQUIRE_BROWSER=1}
 * (CI sets it after installing the packages, so a failed install fails the build instead of hiding the tests).
 */
@EnabledIf(value = "browserInstalled",
    disabledReason = "no Chromium with its driver: install Debian's chromium and chromium-driver (CI does)")
class PlaygroundBrowserTest extends PipelineTestBase {
  private static final Duration JOB = Duration.ofSeconds(60);
  private static final Path SCREENSHOTS = Path.of("target", "playground-screenshots");
  private static final String KEY = "sk-playground-0123456789";

  private static FusionStack stack;
  private static FusionStack keyed;
  private static ChromeDriver browser;
  private static Path downloads;

  static Optional<Path> executable(String env, String... candidates) {
    String configured = System.getenv(env);
    Stream<String> names = configured != null && !configured.isBlank() ? Stream.of(configured) : Stream.of(candidates);
    return names.map(Path::of).filter(Files::isExecutable).findFirst();
  }

  static Optional<Path> chromium() {
    return executable("FUSION_TEST_CHROMIUM", "/usr/bin/chromium", "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome");
  }

  static Optional<Path> chromedriver() {
    return executable("FUSION_TEST_CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
  }

  static boolean browserInstalled() {
    return "1".equals(System.getenv("FUSION_TEST_REQUIRE_BROWSER"))
        || chromium().isPresent() && chromedriver().isPresent();
  }

  @BeforeAll
  static void start() throws Exception {
    stack = harness.newStack(Map.of());
    Files.createDirectories(SCREENSHOTS);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium().orElseThrow().toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=1280,800", "--user-data-dir=" + PipelineHarness.tempDir().resolve("chromium"));
    downloads = PipelineHarness.tempDir().resolve("downloads");
    Files.createDirectories(downloads);
    options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
        "download.prompt_for_download", false));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(chromedriver().orElseThrow().toString())).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (keyed != null) {
      keyed.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aDeliberationFillsThePanelCardsWithToolStepsThenTheAnalysisAndTheFinalAnswer() throws Exception {
    // Given the page, and a panel whose first model searches the web and reads a page
    open(stack);
    String searcher = "sim/alpha;web_steps=2";
    choosePanel(searcher, "sim/beta", "sim/gamma");

    browser.executeScript("window.cardChanges = [];"
        + "new MutationObserver(records => records.forEach(r => {"
        + "  if (r.type === 'attributes') window.cardChanges.push('state ' + r.target.dataset.model);"
        + "  else r.addedNodes.forEach(n => { if (n.classList && n.classList.contains('step'))"
        + "    window.cardChanges.push('step ' + n.closest('article').dataset.model); });"
        + "})).observe(document.getElementById('panel'),"
        + " {subtree: true, childList: true, attributes: true, attributeFilter: ['data-state']});");

    // When a prompt is submitted with Ctrl+Enter
    ask("How do heat pumps work in cold climates?");

    // Then the searcher's card shows its tool steps before its answer: the order in which the page changed
    // its cards, as recorded from the moment of submission (steps added, then the card's state)
    String id = awaitDone("completed");
    JsonNode result = jobJson(stack, id).path("result");

    // and every card ends with its answer, the searcher's with a search and a fetch whose URL is a link
    assertThat(browser.findElements(By.cssSelector("#panel article.card"))).hasSize(3)
        .allSatisfy(c -> assertThat(c.getDomAttribute("data-state")).isEqualTo("answered"));
    @SuppressWarnings("unchecked")
    List<String> changes = (List<String>) browser.executeScript("return window.cardChanges");
    assertThat(changes.stream().filter(c -> c.endsWith(" " + searcher)))
        .containsExactly("step " + searcher, "step " + searcher, "state " + searcher);
    List<WebElement> steps = card(searcher).findElements(By.cssSelector("li.step"));
    assertThat(steps).hasSize(2);
    assertThat(steps.get(0).getText()).startsWith("Search").contains("result");
    JsonNode searched = null;
    for (JsonNode response : result.path("responses")) {
      if (response.path("model").asText().equals(searcher)) {
        searched = response;
      }
    }
    assertThat(searched).as("the searcher's response").isNotNull();
    String fetched = searched.path("sources").get(1).path("url").asText();
    assertThat(fetched).startsWith(harness.simulator.rootUrl() + "/web/");
    assertThat(steps.get(1).getText()).startsWith("Fetch").contains(fetched, "HTTP 200");
    assertThat(steps.get(1).findElement(By.tagName("a")).getDomAttribute("href")).isEqualTo(fetched);
    // its latency, tokens and cost (the simulator has no prices: a dash)
    assertThat(card(searcher).findElement(By.cssSelector(".meta")).getText())
        .matches("[0-9.]+ (ms|s) · [0-9]+ in · [0-9]+ out tokens · —");

    // and the analysis shows its sections, naming the panel models, and the coverage
    WebElement analysis = browser.findElement(By.id("analysis"));
    assertThat(analysis.findElements(By.tagName("h4"))).extracting(WebElement::getText)
        .containsExactly("Consensus", "Contradictions", "Partial coverage", "Unique insights", "Blind spots");
    assertThat(analysis.findElement(By.className("coverage")).getText()).startsWith("3 of 3 answered");
    JsonNode judged = result.path("analysis");
    for (JsonNode insight : judged.path("unique_insights")) {
      assertThat(analysis.findElement(By.cssSelector("dl.insights")).getText()).contains(insight.path("model").asText());
    }
    if (!judged.path("contradictions").isEmpty()) {
      WebElement table = analysis.findElements(By.tagName("table")).get(0);
      assertThat(table.findElements(By.cssSelector("thead th"))).extracting(WebElement::getText)
          .containsExactly("Topic", searcher, "sim/beta", "sim/gamma");
      assertThat(table.findElements(By.cssSelector("tbody tr"))).hasSize(judged.path("contradictions").size());
    }

    // and the final answer, the totals and the job's ID
    String answer = browser.findElement(By.id("answer")).getText();
    assertThat(answer).isNotBlank();
    assertThat(normalized(answer)).isEqualTo(normalized(result.path("answer").asText()));
    assertThat(browser.findElement(By.id("totals")).getText()).contains("panel", "judge", "synthesizer", "total");
    assertThat(browser.findElement(By.id("job-id")).getText()).isEqualTo(id);
    shoot("deliberation");
  }

  @Test
  void aFailingPanelModelShowsItsFailureAndItsTypedReason() throws Exception {
    open(stack);
    choosePanel("sim/alpha", "sim/broken;fault=http500");
    ask("What limits the battery life of electric cars?");
    String id = awaitDone("completed");

    WebElement failed = card("sim/broken;fault=http500");
    assertThat(failed.getDomAttribute("data-state")).isEqualTo("failed");
    JsonNode reported = jobJson(stack, id).path("result").path("failed_models").get(0);
    assertThat(reported.path("reason").asText()).isEqualTo("upstream_error");
    assertThat(failed.findElement(By.className("reason")).getText()).isEqualTo("upstream_error");
    assertThat(failed.getText()).contains("Failed", "HTTP 500");
    assertThat(card("sim/alpha").getDomAttribute("data-state")).isEqualTo("answered");
    assertThat(browser.findElement(By.className("coverage")).getText()).startsWith("1 of 2 answered");
    shoot("failed-model");

    // Keyboard: Tab from the prompt moves to the preset picker, which shows a visible focus ring
    browser.findElement(By.id("prompt")).click();
    new Actions(browser).sendKeys(Keys.TAB).perform();
    assertThat(browser.executeScript("return document.activeElement.id")).isEqualTo("preset");
    assertThat(browser.executeScript("const s = getComputedStyle(document.activeElement);"
        + " return s.outlineStyle + ' ' + s.outlineWidth")).isEqualTo("solid 3px");
  }

  @Test
  void markupInAPanelAnswerIsShownAsTextAndRunsNothing() throws Exception {
    open(stack);
    // The echoing model answers with the prompt itself: a script, an image with an error handler and a
    // javascript: link, next to Markdown that should render.
    String hostile = "<script>window.pwned = 'script'</script> <img src=x onerror=\"window.pwned = 'img'\"> "
        + "[click me](javascript:window.pwned='link') and **still bold**";
    choosePanel("sim/echo;echo=true", "sim/alpha");
    ask(hostile);
    awaitDone("completed");

    WebElement echoed = card("sim/echo;echo=true").findElement(By.className("card-body"));
    assertThat(echoed.getText()).contains("<script>window.pwned = 'script'</script>",
        "<img src=x onerror=\"window.pwned = 'img'\">", "[click me](javascript:window.pwned='link')");
    assertThat(echoed.findElement(By.tagName("strong")).getText()).isEqualTo("still bold");
    assertThat(browser.executeScript("return typeof window.pwned")).isEqualTo("undefined");
    assertThat(browser.executeScript(
        "return document.querySelectorAll('#run img, #run script, #run iframe, #run object').length")).isEqualTo(0L);
    assertThat(browser.executeScript("return document.scripts.length")).isEqualTo(1L);
    assertThat(browser.executeScript(
        "return [...document.links].filter(a => !/^https?:$/.test(a.protocol)).length")).isEqualTo(0L);
    shoot("hostile-answer");
  }

  @Test
  void thePageLoadsNothingFromAnotherOrigin() throws Exception {
    // A job whose panel fetched a page of another origin (the simulator's web): linked, never loaded.
    open(stack);
    choosePanel("sim/alpha;web_steps=2");
    ask("How do tides work?");
    awaitDone("completed");
    assertThat(browser.findElements(By.cssSelector("li.step a"))).isNotEmpty();

    String origin = "http://127.0.0.1:" + stack.httpPort();
    @SuppressWarnings("unchecked")
    List<String> loaded = (List<String>) browser.executeScript(
        "return performance.getEntries().filter(e => e.entryType === 'navigation' || e.entryType === 'resource')"
            + ".map(e => e.name)");
    assertThat(loaded).contains(origin + "/", origin + "/playground/app.js", origin + "/playground/style.css",
        origin + "/v1/models", origin + "/v1/jobs");
    assertThat(loaded).allSatisfy(url -> assertThat(url).startsWith(origin + "/"));
    shoot("no-other-origin");
  }

  @Test
  void withApiKeysThePageAsksForAKeyRefusesAWrongOneAndWorksWithTheRightOne() throws Exception {
    keyed = JobsTestClient.stack(harness, Map.of("FUSION_API_KEYS", JobsTestClient.apiKeys("acme", KEY))).start();
    browser.get(url(keyed));
    browser.executeScript("sessionStorage.clear(); localStorage.clear()");
    browser.navigate().refresh();

    // Without a key: the page says one is needed
    await().atMost(JOB).ignoreExceptions().until(() -> browser.findElement(By.id("notice")).isDisplayed());
    assertThat(notice()).contains("needs an API key");

    // A wrong key: refused, clearly
    enterKey("sk-wrong-key");
    await().atMost(JOB).ignoreExceptions().until(() -> notice().contains("refused this API key"));
    shoot("wrong-key");

    // The right key: the message goes, the presets load, and a job streams to its end
    enterKey(KEY);
    await().atMost(JOB).ignoreExceptions().until(() -> !browser.findElement(By.id("notice")).isDisplayed()
        && !browser.findElements(By.cssSelector("#preset option")).isEmpty());
    assertThat(browser.executeScript("return sessionStorage.getItem('fusion.playground.apiKey')")).isEqualTo(KEY);
    assertThat(browser.executeScript("return localStorage.length")).isEqualTo(0L);
    choosePanel("sim/alpha", "sim/beta");
    ask("Why is the sea salty?");
    String id = awaitDone("completed");
    assertThat(browser.findElements(By.cssSelector("#panel article.card[data-state='answered']"))).hasSize(2);
    assertThat(browser.findElement(By.id("answer")).getText()).isNotBlank();
    // The history lists the job of this tenant
    browser.findElement(By.id("tab-history")).click();
    await().atMost(JOB).ignoreExceptions().until(() -> browser.findElement(By.id("history")).getText().contains(id));
    shoot("keys");
  }

  @Test
  void aFinishedJobCanBeRejudgedAndABatchRunsAndDownloadsFromThePage() throws Exception {
    // Given a finished job on the page
    open(stack);
    choosePanel("sim/alpha", "sim/beta");
    ask("Is nuclear power safe?");
    String first = awaitDone("completed");

    // When it is rejudged with another judge, the new job opens and finishes with the same panel answers
    WebElement judge = browser.findElement(By.id("rejudge-model"));
    judge.clear();
    judge.sendKeys("sim/second-judge");
    browser.findElement(By.cssSelector("#rejudge button[type=submit]")).click();
    await().atMost(JOB).ignoreExceptions().until(() -> !browser.findElement(By.id("job-id")).getText().equals(first));
    String second = awaitDone("completed");
    assertThat(jobJson(stack, second).path("rejudge_of").asText()).isEqualTo(first);
    assertThat(browser.findElement(By.className("coverage")).getText()).contains("judged by sim/second-judge");
    assertThat(browser.findElements(By.cssSelector("#panel article.card[data-state='answered']"))).hasSize(2);
    shoot("rejudge");

    // And a JSONL file uploaded in the batches view runs to the end, and its results download
    Path prompts = PipelineHarness.tempDir().resolve("prompts.jsonl");
    Files.writeString(prompts, "{\"custom_id\": \"q1\", \"prompt\": \"Why is the sky blue?\"}\n"
        + "{\"custom_id\": \"q2\", \"prompt\": \"How do tides work?\"}\n");
    browser.findElement(By.id("tab-batches")).click();
    browser.findElement(By.id("batch-file")).sendKeys(prompts.toString());
    browser.findElement(By.cssSelector("#batch-form button[type=submit]")).click();
    await().atMost(JOB).ignoreExceptions().until(() -> {
      WebElement row = browser.findElement(By.cssSelector("#batches tbody tr"));
      WebElement bar = row.findElement(By.tagName("progress"));
      return row.getText().contains("completed") && "2".equals(bar.getDomProperty("value"))
          && "2".equals(bar.getDomProperty("max"));
    });
    String batchId = browser.findElement(By.cssSelector("#batches tbody tr code")).getText();
    shoot("batches");
    browser.findElement(By.cssSelector("#batches tbody tr button")).click();
    Path results = downloads.resolve(batchId + "-results.jsonl");
    await().atMost(JOB).until(() -> Files.exists(results) && Files.readAllLines(results).size() == 2);
    assertThat(Files.readAllLines(results)).extracting(line -> Json.tree(line).path("custom_id").asText())
        .containsExactly("q1", "q2");
  }

  // ---- helpers ----

  private static String url(FusionStack s) {
    return "http://127.0.0.1:" + s.httpPort() + "/";
  }

  /** Loads the page afresh and waits until it has read the models. */
  private static void open(FusionStack s) {
    browser.manage().window().setSize(new Dimension(1280, 800));
    browser.get(url(s));
    await().atMost(JOB).ignoreExceptions()
        .until(() -> !browser.findElements(By.cssSelector("#preset option")).isEmpty()
            && !browser.findElements(By.cssSelector("#panel-models li")).isEmpty());
  }

  /** Replaces the panel with these models, typed into the picker as a user would. */
  private static void choosePanel(String... models) {
    List<WebElement> remove;
    while (!(remove = browser.findElements(By.className("chip-remove"))).isEmpty()) {
      remove.get(0).click();
    }
    WebElement add = browser.findElement(By.id("panel-add"));
    for (String model : models) {
      add.sendKeys(model, Keys.ENTER);
    }
    assertThat(browser.findElements(By.cssSelector("#panel-models li code"))).extracting(WebElement::getText)
        .containsExactly(models);
  }

  private static void ask(String prompt) {
    WebElement box = browser.findElement(By.id("prompt"));
    box.clear();
    box.sendKeys(prompt);
    box.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
  }

  private static void enterKey(String key) {
    WebElement field = browser.findElement(By.id("api-key"));
    field.clear();
    field.sendKeys(key, Keys.ENTER);
  }

  private static String notice() {
    return browser.findElement(By.id("notice")).getText();
  }

  /** Waits for the job on the page to reach this status; its ID. */
  private static String awaitDone(String status) {
    await().atMost(JOB).ignoreExceptions().until(() -> {
      String shown = browser.findElement(By.id("job-status")).getText();
      return shown.equals(status) && !browser.findElement(By.id("totals")).findElements(By.tagName("table")).isEmpty();
    });
    return browser.findElement(By.id("job-id")).getText();
  }

  private static WebElement card(String model) {
    return browser.findElements(By.cssSelector("#panel article.card")).stream()
        .filter(c -> model.equals(c.getDomAttribute("data-model"))).findFirst()
        .orElseThrow(() -> new AssertionError("no card for " + model));
  }

  private static JsonNode jobJson(FusionStack s, String id) throws Exception {
    return Json.tree(harness.get(s, "/v1/jobs/" + id).body());
  }

  private static String normalized(String text) {
    return text.replaceAll("[*_`#>]", "").replaceAll("\\s+", " ").trim();
  }

  /** Full-page screenshots at desktop and phone widths, as build artifacts. */
  private static void shoot(String name) throws Exception {
    for (var size : List.of(Map.entry("desktop", new Dimension(1280, 800)), Map.entry("narrow", new Dimension(390, 844)))) {
      browser.manage().window().setSize(size.getValue());
      Number height = (Number) browser.executeScript("return document.documentElement.scrollHeight");
      Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", size.getValue().width,
          "height", height.intValue(), "scale", 1);
      Object shot = browser.executeCdpCommand("Page.captureScreenshot",
          Map.of("format", "png", "captureBeyondViewport", true, "clip", clip)).get("data");
      Files.write(SCREENSHOTS.resolve(name + "-" + size.getKey() + ".png"), Base64.getDecoder().decode((String) shot));
    }
    browser.manage().window().setSize(new Dimension(1280, 800));
  }
}
