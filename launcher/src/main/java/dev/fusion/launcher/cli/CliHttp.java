package dev.fusion.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
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
  /** How long a connection attempt may take: a server that is not there is reported within this. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /**
   * How long a short request (not an upload, not a stream) may wait for its answer: a process that
   * accepts connections but never answers is reported too. Well above the ingress's own Kafka timeout.
   */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  private final ServerOptions.Server server;
  private final String base;
  private final String apiKey;

  CliHttp(ServerOptions.Server server, String apiKey) {
    this.server = server;
    String url = server.url();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
  }

  /**
   * What to tell the user when the server cannot be reached: the URL tried, where it came from, why it
   * failed (without a stack trace), and the settings that point the CLI elsewhere.
   */
  private String unreachable(IOException e) {
    String why;
    if (e instanceof HttpConnectTimeoutException) {
      why = "no answer within " + CONNECT_TIMEOUT.toSeconds() + " s";
    } else if (causedBy(e, java.nio.channels.UnresolvedAddressException.class)) {
      why = "unknown host";
    } else if (e instanceof java.net.http.HttpTimeoutException) {
      why = "no answer within " + ANSWER_TIMEOUT.toSeconds() + " s";
    } else if (e instanceof ConnectException) {
      why = e.getMessage() == null || e.getMessage().isBlank() ? "connection refused" : e.getMessage();
    } else {
      why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return "cannot reach the Fusion server at " + server.url() + " (from " + server.source() + "): " + why + ".\n"
        + "Is it running (./fusion dev)? Point the CLI at it with --url URL, or set FUSION_URL, or FUSION_HTTP_PORT"
        + " for a local server on another port.";
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  JsonNode getJson(String path) throws IOException, InterruptedException {
    return json(send(request(path).timeout(ANSWER_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  JsonNode postJson(String path, String body) throws IOException, InterruptedException {
    return json(send(request(path).timeout(ANSWER_TIMEOUT).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
  }

  JsonNode postFile(String path, Path file) throws IOException, InterruptedException {
    return json(send(request(path).header("content-type", "application/jsonl")
        .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString()));
  }

  /** A streamed GET; the caller closes the body. Returns null on 404 (the endpoint does not exist). */
  HttpResponse<InputStream> stream(String path, String accept) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = send(request(path).header("accept", accept).GET().build(),
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

  /** Sends a request; a failure to reach the server becomes an {@link Unreachable} that says what to do. */
  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body)
      throws IOException, InterruptedException {
    try {
      return client.send(request, body);
    } catch (IOException e) {
      throw new Unreachable(unreachable(e), e);
    }
  }

  private JsonNode json(HttpResponse<String> r) {
    if (r.statusCode() / 100 != 2) {
      throw new CliException(r.statusCode(), message(r.body()));
    }
    try {
      return Json.tree(r.body());
    } catch (RuntimeException e) {
      throw new CliException(r.statusCode(), "the server at " + server.url() + " did not answer JSON: is it a"
          + " Fusion server? (--url, FUSION_URL or FUSION_HTTP_PORT name another)");
    }
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

  /** The server could not be reached; the message names the URL, the setting it came from and the fix. */
  static final class Unreachable extends IOException {
    Unreachable(String message, IOException cause) {
      super(message, cause);
    }
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
