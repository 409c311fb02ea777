package dev.fusion.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Map;

/**
 * Tavily's search API: {@code POST {base}/search} with {@code {"query", "max_results"}} and the key as a
 * bearer token; results in {@code results[]} ({@code title}, {@code url}, {@code content}).
 */
final class TavilyBackend implements SearchBackend {
  private final String baseUrl;
  private final String apiKey;

  TavilyBackend(String baseUrl, String apiKey) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
  }

  @Override
  public String displayName() {
    return "Tavily";
  }

  @Override
  public Request request(String query, int maxResults) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("query", query).put("max_results", maxResults);
    return new Request(HttpMethod.POST, SearchBackend.join(baseUrl, "/search"),
        Map.of("Accept", "application/json", "Content-Type", "application/json", "Authorization", "Bearer " + apiKey),
        body.toString());
  }

  @Override
  public List<SearchResult> parse(JsonNode answer, int maxResults) {
    JsonNode results = answer.path("results");
    if (!results.isArray()) {
      throw new WebToolException("the Tavily answer has no results list");
    }
    return SearchBackend.collect(results, "content", maxResults);
  }

}
