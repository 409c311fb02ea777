package dev.fusion.web;

import dev.fusion.gateway.ToolExecutor;
import static dev.fusion.web.WebTestSupport.await;
import static dev.fusion.web.WebTestSupport.call;
import static dev.fusion.web.WebTestSupport.config;
import static dev.fusion.web.WebTestSupport.content;
import static dev.fusion.web.WebTestSupport.server;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * web_fetch over real HTTP: an allow-listed local site with pages, redirects, big and binary answers, and a
 * second local server (standing for a broker or an admin port) that is not allow-listed and must never be
 * reached, directly or through a redirect.
 */
class WebFetchTest {
  static final long MAX_BYTES = 64 * 1024;
  static final int MAX_CHARS = 2_000;

  static Vertx vertx;
  static HttpServer site;
  static HttpServer internal;
  static final AtomicInteger internalRequests = new AtomicInteger();
  static WebTools tools;

  static final String ARTICLE = """
      <!doctype html>
      <html><head><title>  Battery   life of EVs </title>
        <style>body { color: red }</style>
        <script>var secret = "script-content-never-shown";</script>
      </head>
      <body>
        <header><a href="/">Site header menu</a></header>
        <nav><ul><li>Nav link one</li><li>Nav link two</li></ul></nav>
        <main>
          <h1>What limits battery life</h1>
          <p>Cells   age with
             <b>heat</b> and deep cycles.</p>
          <h2>Causes</h2>
          <ul><li>Calendar ageing</li><li>Cycle ageing</li></ul>
          <form><input name="q"> Subscribe to the newsletter</form>
          <noscript>Enable JavaScript</noscript>
          <svg><text>svg text</text></svg>
        </main>
        <footer>Copyright footer text</footer>
      </body></html>
      """;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    internal = server(vertx, req -> {
      internalRequests.incrementAndGet();
      req.response().end("internal secrets");
    });
    site = server(vertx, req -> {
      HttpServerResponse resp = req.response();
      String path = req.path();
      switch (path) {
        case "/article" -> resp.putHeader("content-type", "text/html; charset=utf-8").end(ARTICLE);
        case "/long" -> resp.putHeader("content-type", "text/html")
            .end("<html><head><title>Long</title></head><body><p>" + "word ".repeat(5_000) + "</p></body></html>");
        case "/plain" -> resp.putHeader("content-type", "text/plain; charset=ISO-8859-1")
            .end(Buffer.buffer("caf\u00e9 au lait\r\n\r\n\r\nsecond   line".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        case "/json" -> resp.putHeader("content-type", "application/json").end("{\"answer\": 42}");
        case "/image" -> resp.putHeader("content-type", "image/png").end(Buffer.buffer(new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
        case "/untyped" -> resp.end("who knows");
        case "/missing" -> resp.setStatusCode(404).putHeader("content-type", "text/html").end("<p>not here</p>");
        case "/big" -> endless(resp.putHeader("content-type", "text/plain").setChunked(true));
        case "/hang" -> { }
        case "/to-internal" -> resp.setStatusCode(302)
            .putHeader("location", "http://127.0.0.1:" + internal.actualPort() + "/admin").end();
        case "/to-file" -> resp.setStatusCode(301).putHeader("location", "file:///etc/passwd").end();
        case "/loop" -> resp.setStatusCode(302).putHeader("location", "/loop").end();
        case "/no-location" -> resp.setStatusCode(302).end();
        default -> {
          if (path.startsWith("/chain/")) {
            int left = Integer.parseInt(path.substring("/chain/".length()));
            if (left == 0) {
              resp.putHeader("content-type", "text/plain").end("end of the chain");
            } else {
              resp.setStatusCode(307).putHeader("location", "/chain/" + (left - 1)).end();
            }
          } else {
            resp.setStatusCode(404).end();
          }
        }
      }
    });
    tools = new WebTools(vertx, config(Map.of(
        "FUSION_WEB_FETCH_ALLOW", "127.0.0.1:" + site.actualPort(),
        "FUSION_WEB_FETCH_MAX_BYTES", String.valueOf(MAX_BYTES),
        "FUSION_WEB_FETCH_MAX_CHARS", String.valueOf(MAX_CHARS),
        "FUSION_WEB_FETCH_MAX_REDIRECTS", "3")));
  }

  /** Writes 16 KiB chunks for as long as the client reads (up to 64 MiB), as a page without end would. */
  private static void endless(HttpServerResponse resp) {
    Buffer chunk = Buffer.buffer("0123456789abcdef".repeat(1024));
    int[] written = {0};
    Runnable[] more = new Runnable[1];
    more[0] = () -> {
      while (!resp.writeQueueFull() && !resp.closed() && written[0] < 4096) {
        resp.write(chunk);
        written[0]++;
      }
      if (!resp.closed() && written[0] < 4096) {
        resp.drainHandler(v -> more[0].run());
      }
    };
    more[0].run();
  }

  @AfterAll
  static void stop() {
    tools.close();
    await(vertx.close());
  }

  private String site(String path) {
    return "http://127.0.0.1:" + site.actualPort() + path;
  }

  private ToolExecutor.Executed fetch(String url) {
    return call(tools, "web_fetch", "{\"url\": \"" + url + "\"}");
  }

  private String error(ToolExecutor.Executed outcome) {
    assertThat(outcome.step().tool()).isEqualTo("web_fetch");
    assertThat(outcome.step().error()).as("the step has the error").isNotNull();
    assertThat(content(outcome).path("error").asText()).isEqualTo(outcome.step().error());
    return outcome.step().error();
  }

  @Test
  void anAllowListedPageBecomesReadableTextWithItsTitle() {
    ToolExecutor.Executed outcome = fetch(site("/article"));
    JsonNode page = content(outcome);
    assertThat(page.path("url").asText()).isEqualTo(site("/article"));
    assertThat(page.has("final_url")).isFalse();
    assertThat(page.path("status").asInt()).isEqualTo(200);
    assertThat(page.path("content_type").asText()).isEqualTo("text/html");
    assertThat(page.path("title").asText()).isEqualTo("Battery life of EVs");
    assertThat(page.path("truncated").asBoolean()).isFalse();
    assertThat(page.path("text").asText()).isEqualTo("""
        # What limits battery life

        Cells age with heat and deep cycles.

        ## Causes

        - Calendar ageing
        - Cycle ageing""");
    assertThat(outcome.content()).doesNotContain("script-content-never-shown", "color: red", "Site header menu",
        "Nav link", "Subscribe", "Enable JavaScript", "svg text", "Copyright footer");
    assertThat(outcome.step().url()).isEqualTo(site("/article"));
    assertThat(outcome.step().status()).isEqualTo(200);
    assertThat(outcome.step().bytes()).isEqualTo(ARTICLE.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    assertThat(outcome.step().error()).isNull();
  }

  @Test
  void callsFromAnEventLoopRunOnIt() {
    io.vertx.core.Promise<ToolExecutor.Executed> outcome = io.vertx.core.Promise.promise();
    io.vertx.core.Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> tools.execute("call_2", "web_fetch", "{\"url\": \"" + site("/json") + "\"}")
        .onComplete(done -> outcome.complete(io.vertx.core.Vertx.currentContext() == context ? done.result() : null)));
    ToolExecutor.Executed result = await(outcome.future());
    assertThat(result).as("completed on the caller's context").isNotNull();
    assertThat(result.step().callId()).isEqualTo("call_2");
    assertThat(content(result).path("text").asText()).isEqualTo("{\"answer\": 42}");
  }

  @Test
  void textIsCutAtTheConfiguredCharacters() {
    ToolExecutor.Executed outcome = fetch(site("/long"));
    JsonNode page = content(outcome);
    assertThat(page.path("text").asText()).hasSize(MAX_CHARS).startsWith("word word");
    assertThat(page.path("truncated").asBoolean()).isTrue();
    assertThat(page.path("note").asText()).contains(String.valueOf(MAX_CHARS));
    assertThat(outcome.content().length()).isLessThan(MAX_CHARS + 1_000);
    assertThat(outcome.step().error()).isNull();
  }

  @Test
  void plainTextAndJsonAreReadInTheirCharset() {
    JsonNode plain = content(fetch(site("/plain")));
    assertThat(plain.path("text").asText()).isEqualTo("caf\u00e9 au lait\n\nsecond line");
    assertThat(plain.path("content_type").asText()).isEqualTo("text/plain");
    assertThat(content(fetch(site("/json"))).path("text").asText()).isEqualTo("{\"answer\": 42}");
  }

  @Test
  void aPageOverTheByteLimitIsCutThereAndSaysSo() {
    ToolExecutor.Executed outcome = fetch(site("/big"));
    JsonNode page = content(outcome);
    assertThat(outcome.step().error()).isNull();
    assertThat(outcome.step().bytes()).isEqualTo(MAX_BYTES);
    assertThat(page.path("truncated").asBoolean()).isTrue();
    assertThat(page.path("note").asText()).isEqualTo("the page is larger than " + MAX_BYTES
        + " bytes: only its first " + MAX_BYTES + " bytes were read");
    assertThat(page.path("text").asText()).hasSize(MAX_CHARS).startsWith("0123456789abcdef");
  }

  @Test
  void redirectsWithinTheLimitAreFollowedAndTheFinalUrlIsReported() {
    ToolExecutor.Executed outcome = fetch(site("/chain/3"));
    JsonNode page = content(outcome);
    assertThat(page.path("text").asText()).isEqualTo("end of the chain");
    assertThat(page.path("final_url").asText()).isEqualTo(site("/chain/0"));
    assertThat(outcome.step().url()).isEqualTo(site("/chain/3"));
  }

  @Test
  void tooManyRedirectsAreRefused() {
    assertThat(error(fetch(site("/chain/4")))).isEqualTo("too many redirects (more than 3)");
    ToolExecutor.Executed loop = fetch(site("/loop"));
    assertThat(error(loop)).isEqualTo("too many redirects (more than 3)");
    assertThat(loop.step().status()).isEqualTo(302);
    assertThat(error(fetch(site("/no-location")))).contains("without a Location");
  }

  @Test
  void aRedirectToANonAllowListedLoopbackPortIsRefusedAtTheRedirect() {
    int before = internalRequests.get();
    String message = error(fetch(site("/to-internal")));
    assertThat(message).startsWith("redirect 1 to http://127.0.0.1:" + internal.actualPort() + "/admin: refused: ")
        .contains("loopback");
    assertThat(error(fetch(site("/to-file")))).startsWith("redirect 1: refused: only http and https");
    assertThat(internalRequests.get()).isEqualTo(before);
  }

  @Test
  void localPrivateAndMetadataAddressesAreRefusedBeforeAnyConnection() {
    int before = internalRequests.get();
    int port = internal.actualPort();
    assertThat(error(fetch("http://127.0.0.1:" + port + "/"))).isEqualTo(
        "refused: 127.0.0.1 is a loopback address; web_fetch reads public addresses only");
    assertThat(error(fetch("http://localhost:" + port + "/"))).startsWith("refused: localhost resolves to a loopback");
    assertThat(error(fetch("http://[::1]:" + port + "/"))).startsWith("refused: [::1] is a loopback address");
    assertThat(error(fetch("http://[::ffff:127.0.0.1]:" + port + "/"))).contains("a loopback address");
    assertThat(error(fetch("http://0.0.0.0:" + port + "/"))).contains("unspecified");
    assertThat(error(fetch("http://10.0.0.1/"))).isEqualTo(
        "refused: 10.0.0.1 is a private-network address; web_fetch reads public addresses only");
    assertThat(error(fetch("http://192.168.1.1:8080/admin"))).contains("private-network");
    assertThat(error(fetch("http://169.254.169.254/latest/meta-data/"))).contains("a cloud metadata address");
    assertThat(error(fetch("http://metadata.google.internal/computeMetadata/v1/")))
        .isEqualTo("refused: metadata.google.internal is a cloud metadata service");
    // Allow-listed is the site's port only: the same host on another port is not.
    assertThat(error(fetch("http://127.0.0.1:" + port + "/"))).contains("loopback");
    assertThat(internalRequests.get()).as("the internal server was never reached").isEqualTo(before);
  }

  @Test
  void onlyHttpAndHttpsUrlsAreFetched() {
    assertThat(error(fetch("file:///etc/passwd"))).isEqualTo("refused: only http and https URLs are fetched, not file:");
    assertThat(error(fetch("ftp://ftp.example.com/pub/file.txt"))).contains("not ftp:");
    assertThat(error(fetch("gopher://example.com/"))).contains("not gopher:");
    assertThat(error(fetch("data:text/plain,hello"))).contains("not data:");
    assertThat(error(fetch("jar:file:/tmp/x.jar!/a"))).contains("not jar:");
    assertThat(error(fetch("example.com/page"))).contains("is not an absolute URL");
    assertThat(error(fetch("http://user:pw@127.0.0.1:" + site.actualPort() + "/article")))
        .contains("user name or password");
    assertThat(error(fetch("http://exa mple.com/"))).contains("is not a valid URL");
  }

  @Test
  void binaryAndUntypedContentIsRefusedByItsHeader() {
    ToolExecutor.Executed image = fetch(site("/image"));
    assertThat(error(image)).isEqualTo(
        "refused: the content type is image/png; web_fetch reads text only (HTML, text/*, XML, JSON)");
    assertThat(image.step().status()).isEqualTo(200);
    assertThat(image.step().bytes()).isNull();
    assertThat(error(fetch(site("/untyped")))).contains("no Content-Type");
  }

  @Test
  void httpErrorsAreReportedWithTheirStatus() {
    ToolExecutor.Executed missing = fetch(site("/missing"));
    assertThat(error(missing)).isEqualTo("the server answered HTTP 404");
    assertThat(missing.step().status()).isEqualTo(404);
  }

  @Test
  void aServerThatNeverAnswersHitsTheTimeLimit() {
    try (WebTools quick = new WebTools(vertx, config(Map.of(
        "FUSION_WEB_FETCH_ALLOW", "127.0.0.1:" + site.actualPort(), "FUSION_WEB_FETCH_TIMEOUT_MS", "300")))) {
      ToolExecutor.Executed outcome = call(quick, "web_fetch", "{\"url\": \"" + site("/hang") + "\"}");
      assertThat(error(outcome)).isEqualTo("the page did not load within 300 ms");
    }
  }

  @Test
  void fetchCanBeTurnedOff() {
    try (WebTools off = new WebTools(vertx, config(Map.of("FUSION_WEB_FETCH", "off")))) {
      assertThat(error(call(off, "web_fetch", "{\"url\": \"https://example.com/\"}")))
          .isEqualTo("web_fetch is turned off on this server");
    }
  }

  @Test
  void badArgumentsNameTheField() {
    assertThat(error(call(tools, "web_fetch", "{}"))).isEqualTo("missing required field 'url'");
    assertThat(error(call(tools, "web_fetch", "{\"link\": \"https://example.com\"}")))
        .isEqualTo("missing required field 'url'");
    assertThat(error(call(tools, "web_fetch", "{\"url\": 7}"))).isEqualTo("'url' must be a string");
    assertThat(error(call(tools, "web_fetch", "{\"url\": \"\"}"))).isEqualTo("'url' must not be empty");
    assertThat(error(call(tools, "web_fetch", "not json"))).startsWith("the arguments are not valid JSON");
    ToolExecutor.Executed longUrl = call(tools, "web_fetch", "{\"url\": \"https://example.com/" + "a".repeat(3000) + "\"}");
    assertThat(error(longUrl)).isEqualTo("the URL is longer than 2048 characters");
    assertThat(longUrl.step().url()).hasSizeLessThanOrEqualTo(2049);
  }

  @Test
  void unknownToolsAreErrorOutcomesToo() {
    ToolExecutor.Executed outcome = call(tools, "web_browse", "{}");
    assertThat(content(outcome).path("error").asText()).isEqualTo(
        "unknown tool 'web_browse'; the web tools are web_search and web_fetch");
    assertThat(outcome.step().tool()).isEqualTo("web_browse");
    assertThat(outcome.step().callId()).isEqualTo("call_1");
  }

  @Test
  void theDefinitionsDeclareBothToolsWithTheirArguments() {
    var defs = tools.definitions();
    assertThat(defs).hasSize(2);
    assertThat(defs.get(0).path("type").asText()).isEqualTo("function");
    assertThat(defs.get(0).path("function").path("name").asText()).isEqualTo("web_search");
    assertThat(defs.get(0).path("function").path("parameters").path("required").get(0).asText()).isEqualTo("query");
    assertThat(defs.get(0).path("function").path("parameters").path("properties").path("max_results")
        .path("maximum").asInt()).isEqualTo(10);
    assertThat(defs.get(1).path("function").path("name").asText()).isEqualTo("web_fetch");
    assertThat(defs.get(1).path("function").path("parameters").path("required").get(0).asText()).isEqualTo("url");
    assertThat(defs.get(1).path("function").path("description").asText()).contains(String.valueOf(MAX_CHARS));
    assertThat(tools.definitions()).as("built once, shared").isSameAs(defs);
    assertThat(WebTools.isWebTool("web_search")).isTrue();
    assertThat(WebTools.isWebTool("web_fetch")).isTrue();
    assertThat(WebTools.isWebTool("web_browse")).isFalse();
    assertThat(WebTools.isWebTool(null)).isFalse();
  }
}
