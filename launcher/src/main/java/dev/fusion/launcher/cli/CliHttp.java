package dev.fusion.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The CLI's HTTP client (java.net.http): base URL plus an optional API key sent as a bearer token and
 * never printed. Non-2xx answers become {@link CliException}s carrying the server's error message.
 */
final class CliHttp {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final String apiKey;

  CliHttp(String url, String apiKey) {
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
  }

  /** The key from the option, else from FUSION_API_KEY. */
  static String apiKey(String option) {
    return option != null ? option : System.getenv("FUSION_API_KEY");
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  JsonNode getJson(String path) throws IOException, InterruptedException {
    return json(client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  JsonNode postJson(String path, String body) throws IOException, InterruptedException {
    return json(client.send(request(path).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
  }

  JsonNode postFile(String path, Path file) throws IOException, InterruptedException {
    return json(client.send(request(path).header("content-type", "application/jsonl")
        .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString()));
  }

  /** A streamed GET; the caller closes the body. Returns null on 404 (the endpoint does not exist). */
  HttpResponse<InputStream> stream(String path, String accept) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = client.send(request(path).header("accept", accept).GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() == 404) {
      r.body().close();
      return null;
    }
    if (r.statusCode() / 100 != 2) {
      String text = new String(r.body().readAllBytes());
      throw new CliException(r.statusCode(), message(text));
    }
    return r;
  }

  private static JsonNode json(HttpResponse<String> r) {
    if (r.statusCode() / 100 != 2) {
      throw new CliException(r.statusCode(), message(r.body()));
    }
    return Json.tree(r.body());
  }

  private static String message(String body) {
    try {
      JsonNode error = Json.tree(body).path("error");
      if (error.has("message")) {
        return error.path("message").asText() + (error.hasNonNull("code") ? " (" + error.path("code").asText() + ")" : "");
      }
    } catch (RuntimeException e) {
      // not JSON: fall through
    }
    return body == null || body.isBlank() ? "no details" : body.strip();
  }

  /** A failed request, with the HTTP status and the server's message. */
  static final class CliException extends RuntimeException {
    final int status;

    CliException(int status, String message) {
      super("HTTP " + status + ": " + message);
      this.status = status;
    }
  }
}
