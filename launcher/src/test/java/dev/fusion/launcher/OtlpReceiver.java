package dev.fusion.launcher;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A collector's OTLP/HTTP traces endpoint, in the test's JVM: accepts {@code POST /v1/traces} in the
 * protobuf encoding (the exporter's default), decodes each request with the protocol's own messages and
 * keeps the spans with their resource's attributes.
 */
final class OtlpReceiver implements AutoCloseable {
  /** A received span, IDs in hex as in a {@code traceparent}; string attributes only (Fusion sets no other). */
  record Received(String service, String name, Span.SpanKind kind, String traceId, String spanId,
      String parentSpanId, Map<String, String> attributes, Map<String, String> resource, boolean error) {}

  private final HttpServer server;
  private final ConcurrentLinkedQueue<Received> spans = new ConcurrentLinkedQueue<>();
  private final AtomicInteger requests = new AtomicInteger();

  OtlpReceiver(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(req -> {
      if (!req.path().equals("/v1/traces") || !"application/x-protobuf".equals(req.getHeader("content-type"))) {
        req.response().setStatusCode(404).end();
        return;
      }
      req.body().onSuccess(body -> {
        try {
          ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(body.getBytes());
          requests.incrementAndGet();
          keep(export);
          req.response().putHeader("content-type", "application/x-protobuf")
              .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
        } catch (Exception e) {
          req.response().setStatusCode(400).end(e.toString());
        }
      });
    });
    server.listen(0, "127.0.0.1").await();
  }

  /** What {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set to (the exporter appends {@code /v1/traces}). */
  String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  List<Received> spans() {
    return new ArrayList<>(spans);
  }

  int requests() {
    return requests.get();
  }

  private void keep(ExportTraceServiceRequest export) {
    for (ResourceSpans rs : export.getResourceSpansList()) {
      Map<String, String> resource = strings(rs.getResource().getAttributesList());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          spans.add(new Received(resource.get("service.name"), s.getName(), s.getKind(), hex(s.getTraceId().toByteArray()),
              hex(s.getSpanId().toByteArray()), hex(s.getParentSpanId().toByteArray()),
              strings(s.getAttributesList()), resource,
              s.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR));
        }
      }
    }
  }

  private static Map<String, String> strings(List<KeyValue> attributes) {
    return attributes.stream().collect(Collectors.toMap(KeyValue::getKey,
        kv -> kv.getValue().hasStringValue() ? kv.getValue().getStringValue() : kv.getValue().toString().trim(),
        (a, b) -> b));
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public void close() {
    server.close().await();
  }
}
