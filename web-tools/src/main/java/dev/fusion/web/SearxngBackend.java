package dev.fusion.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * SearXNG's search API: {@code GET {base}/search?q=...&format=json}, answering {@code {"results": [{"url",
 * "title", "content", ...}]}}. SearXNG has no result-count parameter, so the first results are kept. The
 * instance must have the json format enabled ({@code search.formats} in its settings.yml), or it answers 403.
 */
final class SearxngBackend implements SearchBackend {
  private final String baseUrl;

  SearxngBackend(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  @Override
  public String displayName() {
    return "SearXNG";
  }

  @Override
  public Request request(String query, int maxResults) {
    String url = SearchBackend.join(baseUrl, "/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
        + "&format=json");
    return new Request(HttpMethod.GET, url, Map.of("Accept", "application/json"), null);
  }

  @Override
  public List<SearchResult> parse(JsonNode answer, int maxResults) {
    JsonNode results = answer.path("results");
    if (!results.isArray()) {
      throw new WebToolException("the SearXNG answer has no results list");
    }
    return SearchBackend.collect(results, "content", maxResults);
  }

}
