package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The built-in web over HTTP: SearXNG's JSON search at the root, and HTML pages. */
class WebPagesTest extends SimulatorTestBase {

  private HttpResponse<Buffer> search(String query, String format) {
    var request = client.get(sim.port(), "127.0.0.1", "/search").addQueryParam("q", query);
    if (format != null) {
      request.addQueryParam("format", format);
    }
    return await(request.send());
  }

  private JsonObject searchJson(String query) {
    HttpResponse<Buffer> r = search(query, "json");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    return r.bodyAsJsonObject();
  }

  @Test
  void searchAnswersInSearxngsJsonShapeWithAbsoluteUrls() {
    JsonObject out = searchJson("electric car battery range");
    assertThat(out.getString("query")).isEqualTo("electric car battery range");
    JsonArray results = out.getJsonArray("results");
    assertThat(results).isNotEmpty();
    assertThat(out.getInteger("number_of_results")).isGreaterThanOrEqualTo(results.size());
    for (String key : new String[] {"answers", "corrections", "infoboxes", "suggestions", "unresponsive_engines"}) {
      assertThat(out.getJsonArray(key)).as(key).isEmpty();
    }
    JsonObject top = results.getJsonObject(0);
    assertThat(top.getString("url")).isEqualTo(sim.rootUrl() + "/web/electric-car-battery-range");
    assertThat(top.getString("title")).contains("Electric Car Batteries");
    assertThat(top.getString("content")).isNotBlank();
    assertThat(top.getString("engine")).isEqualTo("simulator");
    assertThat(top.getDouble("score")).isPositive();
    double previous = Double.MAX_VALUE;
    for (Object o : results) {
      double score = ((JsonObject) o).getDouble("score");
      assertThat(score).isLessThanOrEqualTo(previous);
      previous = score;
    }
    assertThat(searchJson("electric car battery range")).isEqualTo(out); // deterministic
  }

  @Test
  void aQueryMatchingNothingFindsNothing() {
    JsonObject out = searchJson("zyxwvut qqqq");
    assertThat(out.getJsonArray("results")).isEmpty();
    assertThat(out.getInteger("number_of_results")).isZero();
  }

  @Test
  void everyPageIsFoundByItsTitleAndTheCorpusIsVaried() {
    Set<String> slugs = new HashSet<>();
    for (WebCorpus.Page p : WebCorpus.BUILT_IN.pages()) {
      slugs.add(p.slug());
      JsonArray results = searchJson(p.title()).getJsonArray("results");
      assertThat(results.getJsonObject(0).getString("url")).as(p.title()).endsWith("/web/" + p.slug());
    }
    assertThat(slugs).hasSizeBetween(12, 20);
  }

  @Test
  void otherFormatsAndMissingQueriesAnswerAsSearxngDoes() {
    HttpResponse<Buffer> html = search("tides", null);
    assertThat(html.statusCode()).isEqualTo(403); // html is not an enabled format here
    assertThat(search("tides", "csv").statusCode()).isEqualTo(403);
    HttpResponse<Buffer> noQuery = await(client.get(sim.port(), "127.0.0.1", "/search?format=json").send());
    assertThat(noQuery.statusCode()).isEqualTo(400);
    assertThat(noQuery.bodyAsJsonObject().getString("error")).isEqualTo("No query");
  }

  @Test
  void resultUrlsUseTheHostAndPortTheRequestCameTo() {
    HttpResponse<Buffer> r = await(client.get(sim.port(), "127.0.0.1", "/search?q=tides&format=json")
        .putHeader("host", "localhost:" + sim.port()).send());
    assertThat(r.bodyAsJsonObject().getJsonArray("results").getJsonObject(0).getString("url"))
        .isEqualTo("http://localhost:" + sim.port() + "/web/how-tides-work");
  }

  @Test
  void pagesAreRealisticHtml() {
    HttpResponse<Buffer> r = get("/web/how-tides-work");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).startsWith("text/html");
    String html = r.bodyAsString();
    assertThat(html).startsWith("<!DOCTYPE html>")
        .contains("<title>How Tides Work: The Moon, the Sun and the Shape of Coasts | Simulated Web</title>")
        .contains("<nav").contains("<header").contains("<footer").contains("<script>")
        .contains("<main>").contains("<article>").contains("<h1>How Tides Work")
        .contains("<h2>Spring and neap tides</h2>").contains("<p>When Sun and Moon align")
        .contains("<link rel=\"canonical\" href=\"" + sim.rootUrl() + "/web/how-tides-work\">");

    HttpResponse<Buffer> missing = get("/web/no-such-page");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.getHeader("content-type")).startsWith("text/html");
    assertThat(get("/web/").bodyAsString()).contains("/web/why-the-sky-is-blue");
  }

  @Test
  void statsCountSearchesAndPages() {
    long searches = sim.webCounts().get("searches");
    long pages = sim.webCounts().get("pages");
    searchJson("coffee");
    get("/web/coffee-and-health");
    assertThat(sim.webCounts()).containsEntry("searches", searches + 1).containsEntry("pages", pages + 1);
    assertThat(get("/sim/stats").bodyAsJsonObject().getJsonObject("web").getLong("pages")).isEqualTo(pages + 1);
  }
}
