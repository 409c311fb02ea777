package dev.fusion.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The Brave Search API: {@code GET {base}/res/v1/web/search?q=...&count=N} with the key in
 * {@code X-Subscription-Token}; results in {@code web.results[]} ({@code title}, {@code url},
 * {@code description}, which may carry {@code <strong>} tags). An answer without {@code web} has no results.
 */
final class BraveBackend implements SearchBackend {
  private final String baseUrl;
  private final String apiKey;

  BraveBackend(String baseUrl, String apiKey) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
  }

  @Override
  public String displayName() {
    return "Brave Search";
  }

  @Override
  public Request request(String query, int maxResults) {
    String url = SearchBackend.join(baseUrl, "/res/v1/web/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
        + "&count=" + maxResults);
    return new Request(HttpMethod.GET, url, Map.of("Accept", "application/json", "X-Subscription-Token", apiKey),
        null);
  }

  @Override
  public List<SearchResult> parse(JsonNode answer, int maxResults) {
    if (!answer.isObject()) {
      throw new WebToolException("the Brave Search answer is not a JSON object");
    }
    return SearchBackend.collect(answer.path("web").path("results"), "description", maxResults);
  }

}
