package dev.fusion.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import java.util.Locale;
import java.util.Map;
import org.jsoup.Jsoup;

/**
 * One search API: how a query becomes an HTTP request and how its JSON answer becomes results. The HTTP
 * exchange itself (limits, time, errors) is {@link SearchClient}'s.
 */
interface SearchBackend {
  int MAX_TITLE_CHARS = 300;
  int MAX_SNIPPET_CHARS = 500;
  int MAX_URL_CHARS = 2048;

  /** A request to send: method, absolute URL, headers (keys included) and an optional JSON body. */
  record Request(HttpMethod method, String url, Map<String, String> headers, String jsonBody) {}

  /** For messages: "SearXNG", "Brave Search", "Tavily". */
  String displayName();

  Request request(String query, int maxResults);

  /** The results of a 2xx answer; at most {@code maxResults}, skipping entries without an http(s) URL. */
  java.util.List<SearchResult> parse(JsonNode answer, int maxResults);

  /**
   * A result with its fields bounded and tidied (HTML tags, which some APIs put into snippets, removed), or
   * null when its URL is missing, not http(s) or too long to be useful.
   */
  /**
   * Up to {@code maxResults} results from a backend's list of hits, each with its title, URL and the
   * snippet in {@code snippetField}; hits without a usable URL are skipped.
   */
  static java.util.List<SearchResult> collect(JsonNode hits, String snippetField, int maxResults) {
    java.util.List<SearchResult> out = new java.util.ArrayList<>();
    for (JsonNode r : hits) {
      if (out.size() >= maxResults) {
        break;
      }
      SearchResult result = result(text(r, "title"), text(r, "url"), text(r, snippetField));
      if (result != null) {
        out.add(result);
      }
    }
    return out;
  }

  static SearchResult result(String title, String url, String snippet) {
    if (url == null || url.isBlank() || url.length() > MAX_URL_CHARS) {
      return null;
    }
    String lower = url.trim().toLowerCase(Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      return null;
    }
    return new SearchResult(clean(title, MAX_TITLE_CHARS), url.trim(), clean(snippet, MAX_SNIPPET_CHARS));
  }

  private static String clean(String text, int maxChars) {
    if (text == null || text.isBlank()) {
      return "";
    }
    String plain = text.indexOf('<') >= 0 || text.indexOf('&') >= 0 ? Jsoup.parseBodyFragment(text).text() : text;
    return ReadableText.trim(ReadableText.collapse(plain), maxChars);
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  /** {@code base} (no trailing slash, maybe with a path) plus {@code path}. */
  static String join(String base, String path) {
    return base + path;
  }
}
