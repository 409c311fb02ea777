package dev.fusion.ingress.playground;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.models.ModelsRoutes;
import dev.fusion.ingress.request.Presets;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The playground's files and the model list over real HTTP: what headers protect and cache the page, that
 * nothing in it names another origin or runs inline, and the OpenAI list shape of {@code GET /v1/models}.
 * (The page itself is driven in a real browser by the launcher's PlaygroundBrowserTest.)
 */
class PlaygroundRoutesTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final FusionConfig CONFIG = FusionConfig.fromEnv(Map.of());
  private static Vertx vertx;
  private static HttpServer server;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    new ModelsRoutes(Presets.fromEnv(Map.of("FUSION_PRESET_FAST_PANEL", "sim/one,sim/two"), CONFIG),
        CONFIG.gateway(), 1_700_000_000L).mount(router);
    new PlaygroundRoutes().mount(router);
    // As HttpApi's failure handler: an ApiError is answered in the OpenAI error shape.
    router.route().failureHandler(rc -> ((ApiError) rc.failure()).send(rc.response()));
    server = vertx.createHttpServer().requestHandler(router).listen(0).await();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageIsServedAtTheRootAndUnderPlaygroundWithAStrictPolicyAndCacheHeaders() throws Exception {
    for (String path : List.of("/", "/playground", "/playground/")) {
      HttpResponse<String> page = get(path);
      assertThat(page.statusCode()).as(path).isEqualTo(200);
      assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
      String csp = page.headers().firstValue("content-security-policy").orElseThrow();
      assertThat(csp).contains("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'")
          .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
      assertThat(page.headers().firstValue("cache-control")).hasValue("no-cache");
      assertThat(page.headers().firstValue("etag")).isPresent();
      assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
      assertThat(page.body()).contains("<title>Fusion playground</title>");
    }
  }

  @Test
  void anUnchangedFileIsA304AndAnUnknownOneA404() throws Exception {
    HttpResponse<String> first = get("/playground/app.js");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    String etag = first.headers().firstValue("etag").orElseThrow();
    HttpResponse<String> again = get("/playground/app.js", "If-None-Match", etag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(get("/playground/style.css", "If-None-Match", etag).statusCode()).isEqualTo(200);
    HttpResponse<String> missing = get("/playground/secrets.txt");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(Json.tree(missing.body()).path("error").path("code").asText()).isEqualTo("not_found");
    assertThat(get("/playground/..%2Fopenapi.json").statusCode()).isEqualTo(404);
  }

  @Test
  void thePageRunsNoInlineScriptAndNamesNoOtherOrigin() throws Exception {
    String html = get("/").body();
    // Every script is a module file of this origin; no inline handlers.
    var scripts = Pattern.compile("<script([^>]*)>").matcher(html);
    int count = 0;
    while (scripts.find()) {
      assertThat(scripts.group(1)).contains("src=\"/playground/");
      count++;
    }
    assertThat(count).isEqualTo(1);
    assertThat(html).doesNotContainPattern("\\son[a-z]+=").doesNotContain("style=");
    for (String file : List.of("/", "/playground/style.css", "/playground/app.js", "/playground/api.js",
        "/playground/views.js", "/playground/markdown.js")) {
      String body = get(file).body();
      assertThat(body).as(file).doesNotContain("http://", "https://", "@import", "innerHTML", "insertAdjacentHTML",
          "document.write", "eval(");
    }
  }

  @Test
  void theModelListHasOpenAisShapeWithThePresetsFirst() throws Exception {
    JsonNode list = Json.tree(get("/v1/models").body());
    assertThat(list.path("object").asText()).isEqualTo("list");
    JsonNode data = list.path("data");
    for (JsonNode m : data) {
      assertThat(m.path("object").asText()).isEqualTo("model");
      assertThat(m.path("created").asLong()).isEqualTo(1_700_000_000L);
      assertThat(m.path("owned_by").asText()).isNotBlank();
    }
    assertThat(data.get(0).path("id").asText()).isEqualTo("fusion");
    JsonNode fast = null;
    for (JsonNode m : data) {
      if (m.path("id").asText().equals("fusion/fast")) {
        fast = m;
      }
    }
    assertThat(fast).isNotNull();
    assertThat(fast.path("owned_by").asText()).isEqualTo("fusion");
    assertThat(fast.path("fusion").path("preset").asText()).isEqualTo("fast");
    assertThat(fast.path("fusion").path("panel")).extracting(JsonNode::asText).containsExactly("sim/one", "sim/two");
    assertThat(fast.path("fusion").path("judge").asText()).isEqualTo("sim/judge");
    List<String> ids = data.findValuesAsText("id");
    assertThat(ids).contains("fusion/quality", "fusion/budget", "sim/alpha", "sim/one", "sim/judge", "sim/writer")
        .doesNotHaveDuplicates();
    for (JsonNode m : data) {
      if (m.path("id").asText().equals("sim/alpha")) {
        assertThat(m.path("owned_by").asText()).isEqualTo("simulator");
        assertThat(m.has("fusion")).isFalse();
      }
    }
  }
}
