package dev.fusion.launcher;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.ingress.IngressOptions;
import dev.fusion.ingress.http.ApiKeys;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** HTTP helpers for the jobs-API tests: one client per (ingress port, API key), plus an SSE reader. */
final class JobsTestClient {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final int port;
  final String apiKey;

  JobsTestClient(int port, String apiKey) {
    this.port = port;
    this.apiKey = apiKey;
  }

  /** A stack whose ingress is configured from {@code overrides} too (keys, limits, retention). */
  static FusionStack stack(PipelineHarness harness, Map<String, String> overrides) throws Exception {
    return new FusionStack(harness.config(overrides), harness.vertx, 0, IngressOptions.fromEnv(overrides));
  }

  /** The API key of tenant {@code alice} on a {@link #twoTenantStack}. */
  static final String ALICE_KEY = "sk-alice-0123456789";
  /** The API key of tenant {@code bob} on a {@link #twoTenantStack}. */
  static final String BOB_KEY = "sk-bob-9876543210";

  /** A started stack that accepts the API keys of two tenants, {@code alice} and {@code bob}, and no others. */
  static FusionStack twoTenantStack(PipelineHarness harness) throws Exception {
    return stack(harness, Map.of("FUSION_API_KEYS", apiKeys("alice", ALICE_KEY, "bob", BOB_KEY))).start();
  }

  /** {@code FUSION_API_KEYS} for tenant:key pairs, hashed as an operator would. */
  static String apiKeys(String... tenantAndKey) {
    List<String> entries = new ArrayList<>();
    for (int i = 0; i < tenantAndKey.length; i += 2) {
      entries.add(tenantAndKey[i] + ":" + ApiKeys.sha256Hex(tenantAndKey[i + 1]));
    }
    return String.join(",", entries);
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30));
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  HttpResponse<String> send(HttpRequest request) throws Exception {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = request(path).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b.build());
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(request(path).GET().build());
  }

  HttpResponse<String> delete(String path) throws Exception {
    return send(request(path).DELETE().build());
  }

  JsonNode getJson(String path) throws Exception {
    return Json.tree(get(path).body());
  }

  String submit(String body) throws Exception {
    HttpResponse<String> response = post("/v1/jobs", body);
    if (response.statusCode() != 202) {
      throw new AssertionError("expected 202, got " + response.statusCode() + ": " + response.body());
    }
    return Json.tree(response.body()).path("id").asText();
  }

  JsonNode awaitStatus(String id, String statusRegex) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> getJson("/v1/jobs/" + id), job -> job.path("status").asText().matches(statusRegex));
  }

  JsonNode awaitTerminal(String id) {
    return awaitStatus(id, "completed|failed|cancelled");
  }

  /** One parsed SSE event. */
  record Sse(long id, String event, JsonNode data) {}

  /** Opens an SSE stream; events are read on a background thread into a queue. */
  SseStream events(String jobId, Long lastEventId) throws Exception {
    HttpRequest.Builder b = request("/v1/jobs/" + jobId + "/events").header("accept", "text/event-stream")
        .timeout(Duration.ofMinutes(2));
    if (lastEventId != null) {
      b.header("Last-Event-ID", Long.toString(lastEventId));
    }
    HttpResponse<InputStream> response = HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    return new SseStream(response);
  }

  static final class SseStream implements AutoCloseable {
    final HttpResponse<InputStream> response;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private static final Object END = new Object();
    private final Thread reader;

    SseStream(HttpResponse<InputStream> response) {
      this.response = response;
      reader = new Thread(this::read, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        Map<String, String> fields = new HashMap<>();
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isEmpty()) {
            if (fields.containsKey("data")) {
              queue.add(new Sse(Long.parseLong(fields.get("id")), fields.get("event"), Json.tree(fields.get("data"))));
            }
            fields.clear();
          } else if (!line.startsWith(":")) {
            int colon = line.indexOf(':');
            fields.put(line.substring(0, colon), line.substring(colon + 1).stripLeading());
          }
        }
      } catch (Exception e) {
        // Closed by the test, or the server ended the stream.
      } finally {
        queue.add(END);
      }
    }

    /** The next event, or null when the stream ended; fails the test after the timeout. */
    Sse next() throws InterruptedException {
      Object o = queue.poll(60, TimeUnit.SECONDS);
      if (o == null) {
        throw new AssertionError("no SSE event within 60 s");
      }
      return o == END ? null : (Sse) o;
    }

    /** Every event until the server ends the stream. */
    List<Sse> untilEnd() throws InterruptedException {
      List<Sse> out = new ArrayList<>();
      for (Sse e = next(); e != null; e = next()) {
        out.add(e);
      }
      return out;
    }

    @Override
    public void close() throws Exception {
      response.body().close();
    }
  }
}
