package dev.fusion.ingress.http;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The OpenAPI 3.1 description of the HTTP API ({@code GET /openapi.json}), kept as a resource. */
public final class OpenApi {
  private static final Buffer DOCUMENT = load();

  private OpenApi() {}

  public static Buffer document() {
    return DOCUMENT;
  }

  private static Buffer load() {
    try (InputStream in = OpenApi.class.getResourceAsStream("/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the ingress jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
