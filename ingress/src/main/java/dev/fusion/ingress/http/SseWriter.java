package dev.fusion.ingress.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Server-sent events on one response, for every stream the API has: a job's events
 * ({@code GET /v1/jobs/{id}/events}: {@code id}, {@code event} and {@code data} fields) and streamed chat
 * completions (OpenAI style: {@code data: <json>} lines, then {@code data: [DONE]}). Nothing is written
 * once the response ended or the client went away. Call on the response's context only.
 */
public final class SseWriter {
  private final HttpServerResponse response;

  private SseWriter(HttpServerResponse response) {
    this.response = response;
  }

  /** Answers 200 with the event-stream headers; the stream stays open until {@link #end}. */
  public static SseWriter start(HttpServerResponse response) {
    response.setStatusCode(200).setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache")
        .putHeader("content-encoding", "identity") // Compression would hold events back in its buffer.
        .putHeader("x-accel-buffering", "no");
    return new SseWriter(response);
  }

  public boolean isOpen() {
    return !response.ended() && !response.closed();
  }

  /** How long a client waits before reconnecting. */
  public void retry(long ms) {
    write(Buffer.buffer("retry: " + ms + "\n\n"));
  }

  /** One event with an ID (what {@code Last-Event-ID} resumes after) and a name. */
  public void event(long id, String name, byte[] data) {
    write(Buffer.buffer("id: " + id + "\nevent: " + name + "\ndata: ").appendBytes(data).appendString("\n\n"));
  }

  /** An unnamed event carrying JSON. */
  public void data(JsonNode json) {
    write(Buffer.buffer("data: ").appendBytes(Json.toBytes(json)).appendString("\n\n"));
  }

  /** A comment line: clients skip it; it keeps proxies from closing a quiet stream. */
  public void comment(String text) {
    write(Buffer.buffer(": " + text + "\n\n"));
  }

  /** An error event the OpenAI SDKs raise as an APIError; the stream ends. */
  public void error(ApiError error) {
    data(error.body());
    end();
  }

  /** The OpenAI end marker, then the end of the stream. */
  public void done() {
    if (isOpen()) {
      response.end("data: [DONE]\n\n");
    }
  }

  public void end() {
    if (isOpen()) {
      response.end();
    }
  }

  private void write(Buffer buffer) {
    if (isOpen()) {
      response.write(buffer);
    }
  }
}
