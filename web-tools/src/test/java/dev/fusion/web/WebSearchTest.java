package dev.fusion.web;

import dev.fusion.gateway.ToolExecutor;
import static dev.fusion.web.WebTestSupport.await;
import static dev.fusion.web.WebTestSupport.call;
import static dev.fusion.web.WebTestSupport.config;
import static dev.fusion.web.WebTestSupport.content;
import static dev.fusion.web.WebTestSupport.server;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.ToolStep;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * web_search against fake SearXNG, Brave and Tavily servers that record each request, so the request shape
 * (path, query, headers, body) and the parsing of each API's answer are both checked over real HTTP.
 */
class WebSearchTest {
  /** What a fake backend received. */
  record Received(String method, String path, MultiMap params, MultiMap headers, String body) {}

  static Vertx vertx;
  static HttpServer backend;
  static final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  /** How the backend answers the next requests: "ok", "500", "garbage", "hang". */
  static volatile String mode = "ok";

  static final String SEARXNG_ANSWER = """
      {"query": "kafka", "number_of_results": 0, "results": [
        {"url": "https://kafka.apache.org/", "title": "Apache Kafka", "content": "An event streaming platform.",
         "engine": "duckduckgo", "score": 3.0},
        {"title": "no url, skipped", "content": "x"},
        {"url": "javascript:alert(1)", "title": "not http, skipped", "content": "x"},
        {"url": "https://en.wikipedia.org/wiki/Apache_Kafka", "title": "Apache Kafka - Wikipedia",
         "content": "Apache Kafka is a distributed event store."},
        {"url": "https://third.example/", "title": "Third", "content": "%s"}
      ], "answers": [], "suggestions": []}
      """.formatted("long snippet ".repeat(200));
  static final String BRAVE_ANSWER = """
      {"type": "search", "query": {"original": "kafka"}, "web": {"type": "search", "results": [
        {"title": "Apache <strong>Kafka</strong>", "url": "https://kafka.apache.org/",
         "description": "Apache <strong>Kafka</strong> is an open-source &amp; distributed platform."},
        {"title": "Kafka docs", "url": "https://kafka.apache.org/documentation/", "description": "Docs."}
      ]}}
      """;
  static final String TAVILY_ANSWER = """
      {"query": "kafka", "answer": null, "results": [
        {"title": "Apache Kafka", "url": "https://kafka.apache.org/", "content": "Kafka is ...", "score": 0.9}
      ], "response_time": 1.2}
      """;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    backend = server(vertx, req -> req.body().onSuccess(body -> {
      received.add(new Received(req.method().name(), req.path(), req.params(), req.headers(), body.toString()));
      switch (mode) {
        case "500" -> req.response().setStatusCode(500).end("{\"error\":\"boom\"}");
        case "429" -> req.response().setStatusCode(429).end();
        case "garbage" -> req.response().putHeader("content-type", "text/html").end("<html>not json</html>");
        case "hang" -> { }
        default -> {
          String answer = req.path().startsWith("/res/v1/") ? BRAVE_ANSWER
              : req.method().name().equals("POST") ? TAVILY_ANSWER : SEARXNG_ANSWER;
          req.response().putHeader("content-type", "application/json").end(answer);
        }
      }
    }));
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @BeforeEach
  void reset() {
    received.clear();
    mode = "ok";
  }

  private String base() {
    return "http://127.0.0.1:" + backend.actualPort();
  }

  private Received next() throws InterruptedException {
    Received r = received.poll(30, TimeUnit.SECONDS);
    assertThat(r).as("the backend received a request").isNotNull();
    return r;
  }

  @Test
  void searxngIsAskedForJsonAndItsResultsAreBoundedAndFiltered() throws Exception {
    try (WebTools tools = new WebTools(vertx, config(Map.of("FUSION_SEARXNG_URL", base() + "/searx/")))) {
      ToolExecutor.Executed outcome = call(tools, "web_search", "{\"query\": \"kafka streams & exactly once\", \"max_results\": 3}");

      Received r = next();
      assertThat(r.method()).isEqualTo("GET");
      assertThat(r.path()).isEqualTo("/searx/search");
      assertThat(r.params().get("q")).isEqualTo("kafka streams & exactly once");
      assertThat(r.params().get("format")).isEqualTo("json");

      JsonNode content = content(outcome);
      assertThat(content.path("query").asText()).isEqualTo("kafka streams & exactly once");
      JsonNode results = content.path("results");
      assertThat(results).hasSize(3);
      assertThat(results.get(0).path("title").asText()).isEqualTo("Apache Kafka");
      assertThat(results.get(0).path("url").asText()).isEqualTo("https://kafka.apache.org/");
      assertThat(results.get(0).path("snippet").asText()).isEqualTo("An event streaming platform.");
      assertThat(results.get(1).path("url").asText()).isEqualTo("https://en.wikipedia.org/wiki/Apache_Kafka");
      assertThat(results.get(2).path("snippet").asText()).hasSize(SearchBackend.MAX_SNIPPET_CHARS);
      assertThat(outcome.step()).isEqualTo(
          ToolStep.search(0, "call_1", "kafka streams & exactly once", 3, outcome.step().durationMs(), null));
    }
  }

  @Test
  void theConfiguredResultCountIsTheDefault() throws Exception {
    try (WebTools tools = new WebTools(vertx, config(Map.of("FUSION_SEARXNG_URL", base(),
        "FUSION_WEB_SEARCH_MAX_RESULTS", "1")))) {
      ToolExecutor.Executed outcome = call(tools, "web_search", "{\"query\": \"kafka\"}");
      assertThat(next().path()).isEqualTo("/search");
      assertThat(content(outcome).path("results")).hasSize(1);
      assertThat(outcome.step().resultCount()).isEqualTo(1);
    }
  }

  @Test
  void braveGetsItsTokenHeaderAndCountAndItsHtmlSnippetsBecomeText() throws Exception {
    try (WebTools tools = new WebTools(vertx, config(Map.of("BRAVE_API_KEY", "brave-test-key-1",
        "FUSION_BRAVE_BASE_URL", base())))) {
      ToolExecutor.Executed outcome = call(tools, "web_search", "{\"query\": \"kafka\", \"max_results\": 4}");

      Received r = next();
      assertThat(r.method()).isEqualTo("GET");
      assertThat(r.path()).isEqualTo("/res/v1/web/search");
      assertThat(r.params().get("q")).isEqualTo("kafka");
      assertThat(r.params().get("count")).isEqualTo("4");
      assertThat(r.headers().get("X-Subscription-Token")).isEqualTo("brave-test-key-1");
      assertThat(r.headers().get("Accept")).isEqualTo("application/json");
      assertThat(r.headers().get("Authorization")).isNull();

      JsonNode results = content(outcome).path("results");
      assertThat(results).hasSize(2);
      assertThat(results.get(0).path("title").asText()).isEqualTo("Apache Kafka");
      assertThat(results.get(0).path("snippet").asText())
          .isEqualTo("Apache Kafka is an open-source & distributed platform.");
      assertThat(outcome.content()).doesNotContain("brave-test-key-1");
      assertThat(outcome.step().resultCount()).isEqualTo(2);
    }
  }

  @Test
  void tavilyGetsAJsonPostWithABearerToken() throws Exception {
    try (WebTools tools = new WebTools(vertx, config(Map.of("TAVILY_API_KEY", "tvly-test-key-2",
        "FUSION_TAVILY_BASE_URL", base())))) {
      ToolExecutor.Executed outcome = call(tools, "web_search", "{\"query\": \"kafka\", \"max_results\": 2}");

      Received r = next();
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.path()).isEqualTo("/search");
      assertThat(r.headers().get("Authorization")).isEqualTo("Bearer tvly-test-key-2");
      assertThat(r.headers().get("Content-Type")).isEqualTo("application/json");
      JsonNode body = Json.MAPPER.readTree(r.body());
      assertThat(body.path("query").asText()).isEqualTo("kafka");
      assertThat(body.path("max_results").asInt()).isEqualTo(2);

      JsonNode results = content(outcome).path("results");
      assertThat(results).hasSize(1);
      assertThat(results.get(0).path("snippet").asText()).isEqualTo("Kafka is ...");
    }
  }

  @Test
  void backendFailuresBecomeErrorOutcomesWithoutTheKey() throws Exception {
    try (WebTools tools = new WebTools(vertx, config(Map.of("BRAVE_API_KEY", "brave-test-key-3",
        "FUSION_BRAVE_BASE_URL", base(), "FUSION_WEB_SEARCH_TIMEOUT_MS", "300")))) {
      mode = "500";
      ToolExecutor.Executed failing = call(tools, "web_search", "{\"query\": \"kafka\"}");
      assertThat(content(failing).path("error").asText()).startsWith("Brave Search answered HTTP 500");
      assertThat(failing.step().error()).startsWith("Brave Search answered HTTP 500");
      assertThat(failing.step().resultCount()).isNull();
      assertThat(failing.step().query()).isEqualTo("kafka");

      mode = "429";
      assertThat(content(call(tools, "web_search", "{\"query\": \"kafka\"}")).path("error").asText())
          .contains("HTTP 429").contains("rate limiting");

      mode = "garbage";
      ToolExecutor.Executed garbage = call(tools, "web_search", "{\"query\": \"kafka\"}");
      assertThat(content(garbage).path("error").asText()).isEqualTo("the Brave Search answer is not JSON");

      mode = "hang";
      ToolExecutor.Executed hanging = call(tools, "web_search", "{\"query\": \"kafka\"}");
      assertThat(content(hanging).path("error").asText()).isEqualTo("Brave Search did not answer within 300 ms");
      assertThat(hanging.step().error()).isNotNull();

      for (ToolExecutor.Executed o : new ToolExecutor.Executed[] {failing, garbage, hanging}) {
        assertThat(o.content()).doesNotContain("brave-test-key-3").doesNotContain("127.0.0.1");
        assertThat(o.step().toString()).doesNotContain("brave-test-key-3");
      }
    }
  }

  @Test
  void anUnreachableBackendIsAnErrorOutcome() throws Exception {
    HttpServer closed = server(vertx, req -> { });
    int port = closed.actualPort();
    await(closed.close());
    try (WebTools tools = new WebTools(vertx, config(Map.of("FUSION_SEARXNG_URL", "http://127.0.0.1:" + port)))) {
      ToolExecutor.Executed outcome = call(tools, "web_search", "{\"query\": \"kafka\"}");
      assertThat(content(outcome).path("error").asText()).isEqualTo("could not connect to SearXNG");
    }
  }

  @Test
  void withoutABackendSearchSaysItIsNotConfigured() throws Exception {
    try (WebTools tools = new WebTools(vertx, config(Map.of()))) {
      ToolExecutor.Executed outcome = call(tools, "web_search", "{\"query\": \"kafka\"}");
      assertThat(content(outcome).path("error").asText()).isEqualTo("web search is not configured");
      assertThat(outcome.step().tool()).isEqualTo("web_search");
      assertThat(outcome.step().error()).isEqualTo("web search is not configured");
      assertThat(tools.describe()).startsWith("search: not configured; fetch: on");
    }
  }

  @Test
  void badArgumentsNameTheField() throws Exception {
    try (WebTools tools = new WebTools(vertx, config(Map.of("FUSION_SEARXNG_URL", base())))) {
      Map<String, String> cases = new java.util.LinkedHashMap<>();
      cases.put("{", "the arguments are not valid JSON");
      cases.put("[1]", "the arguments must be a JSON object");
      cases.put("", "missing required field 'query'");
      cases.put("{}", "missing required field 'query'");
      cases.put("{\"q\": \"kafka\"}", "missing required field 'query'");
      cases.put("{\"query\": 5}", "'query' must be a string");
      cases.put("{\"query\": \"  \"}", "'query' must not be empty");
      cases.put("{\"query\": \"" + "x".repeat(401) + "\"}", "'query' is longer than 400 characters");
      cases.put("{\"query\": \"k\", \"max_results\": 0}", "'max_results' must be an integer from 1 to 10");
      cases.put("{\"query\": \"k\", \"max_results\": 11}", "'max_results' must be an integer from 1 to 10");
      cases.put("{\"query\": \"k\", \"max_results\": \"3\"}", "'max_results' must be an integer from 1 to 10");
      cases.put("{\"query\": \"k\", \"max_results\": 2.5}", "'max_results' must be an integer from 1 to 10");
      for (var c : cases.entrySet()) {
        ToolExecutor.Executed outcome = call(tools, "web_search", c.getKey());
        assertThat(content(outcome).path("error").asText()).as(c.getKey()).startsWith(c.getValue());
        assertThat(outcome.step().error()).as(c.getKey()).startsWith(c.getValue());
        assertThat(outcome.step().tool()).isEqualTo("web_search");
      }
      assertThat(received).as("no bad call reached the backend").isEmpty();
      ToolExecutor.Executed longQuery = call(tools, "web_search", "{\"query\": \"" + "x".repeat(5000) + "\"}");
      assertThat(longQuery.step().query()).hasSize(400);
    }
  }
}
