package dev.fusion.ingress.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.kafka.KafkaReachability;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.tracing.StageSpan;
import dev.fusion.common.tracing.Tracing;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP transport of ingress: thin handlers that parse, call domain code and write JSON. A job is
 * answered 202 only after Kafka acknowledged it.
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  /** Longer request lines are a 414, larger headers a 431 (Vert.x's defaults, set explicitly). */
  static final int MAX_REQUEST_LINE_BYTES = 4096;
  static final int MAX_HEADER_BYTES = 8192;

  private final StageContext ctx;
  private final AuthHandler auth;
  private final long maxBodyBytes;
  private final List<Routes> routes;
  private final Supplier<Map<String, Boolean>> health;
  private HttpServer server;

  /**
   * @param auth runs first on every {@code /v1/*} route (key, tenant, rate limit)
   * @param maxBodyBytes larger request bodies are a 413
   * @param routes the features' routes, mounted in this order
   * @param health readiness of every stage, for {@code /health}
   */
  public HttpApi(StageContext ctx, AuthHandler auth, long maxBodyBytes, List<Routes> routes,
      Supplier<Map<String, Boolean>> health) {
    this.ctx = ctx;
    this.auth = auth;
    this.maxBodyBytes = maxBodyBytes;
    this.routes = routes;
    this.health = health;
    if (maxBodyBytes < ctx.config().recordBudget().maxJobBytes()) {
      LOG.warn("FUSION_MAX_BODY_BYTES={} is below the largest job this server accepts ({} bytes): larger jobs "
          + "can only come in through Kafka", maxBodyBytes, ctx.config().recordBudget().maxJobBytes());
    }
  }

  Router router() {
    Router router = Router.router(ctx.vertx());
    // Public: health and the API description. Everything under /v1 needs a key (when keys are configured).
    router.get("/health").handler(this::health);
    router.get("/openapi.json").handler(rc -> rc.response().putHeader("content-type", "application/json")
        .end(OpenApi.document()));
    router.route("/v1/*").handler(auth);
    // Streaming routes (batch upload) after auth but before the body handler: their body is never buffered.
    routes.stream().filter(Routes::streamsBody).forEach(r -> r.mount(router));
    router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(maxBodyBytes).setHandleFileUploads(false));
    router.route("/v1/*").handler(HttpApi::requireUtf8Body);
    routes.stream().filter(r -> !r.streamsBody()).forEach(r -> r.mount(router));
    router.route().failureHandler(this::onFailure);
    // What the router answers by itself (no route: 404, wrong method: 405, a URL it cannot decode while
    // matching: 400, a failing failure handler: 500) goes through ApiError too. Every status has a
    // handler, so Vert.x never falls back to its plain-text answer and its "Unhandled exception" log.
    for (int status = 400; status < 600; status++) {
      int code = status;
      router.errorHandler(code, rc -> onRouterError(rc, code));
    }
    return router;
  }

  public Future<HttpServer> listen(int port) {
    server = ctx.vertx().createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setHost("0.0.0.0")
        .setCompressionSupported(true).setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
        .setMaxHeaderSize(MAX_HEADER_BYTES));
    return server.requestHandler(router()).invalidRequestHandler(this::onInvalidRequest).listen(port);
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** 200 when every stage is ready and Kafka answers; else 503, naming what is not ready and why. */
  private void health(RoutingContext rc) {
    Map<String, Boolean> checks = health.get();
    KafkaReachability.Status kafka = ctx.kafkaReachability().status();
    boolean ok = kafka.reachable() && checks.values().stream().allMatch(Boolean::booleanValue);
    ObjectNode body = Json.object().put("status", ok ? "ok" : kafka.reachable() ? "starting" : "unavailable");
    ObjectNode stages = body.putObject("stages");
    checks.forEach((name, ready) -> stages.put(name, ready ? "ready" : "not_ready"));
    ObjectNode kafkaNode = body.putObject("kafka").put("status", kafka.reachable() ? "reachable" : "unreachable");
    if (!kafka.reachable()) {
      kafkaNode.put("reason", kafka.reason()).put("since_ms", kafka.sinceMs());
    }
    json(rc, ok ? 200 : 503, body);
  }

  private void onFailure(RoutingContext rc) {
    Throwable failure = rc.failure();
    // Vert.x Web's own failures (a query string it cannot decode, a body over the limit) carry a status.
    int status = failure instanceof HttpException http ? http.getStatusCode() : rc.statusCode();
    if (failure instanceof ApiError api) {
      api.send(rc.response());
    } else if (status == 413) {
      ApiError.bodyTooLarge(maxBodyBytes).send(rc.response());
    } else if (status >= 400 && status < 500) {
      ApiError.forStatus(status).send(rc.response());
    } else {
      LOG.error("unexpected error on {} {}", rc.request().method(), ApiError.clip(rc.request().path()), failure);
      ApiError.internal().send(rc.response());
    }
  }

  private void onRouterError(RoutingContext rc, int status) {
    HttpServerRequest request = rc.request();
    ApiError error = switch (status) {
      case 400 -> ApiError.undecodableUrl();
      case 404 -> ApiError.noRoute(request.method().name(), request.path());
      case 405 -> ApiError.methodNotAllowed(request.method().name(), request.path());
      default -> ApiError.forStatus(status);
    };
    if (status >= 500) {
      LOG.error("unexpected error on {} {}", request.method(), ApiError.clip(request.path()), rc.failure());
    }
    error.send(rc.response());
  }

  /**
   * Requests the HTTP codec could not parse (a request line or headers over the limits, a malformed
   * request line): no route sees them. The connection is closed afterwards, as the protocol requires
   * for a request whose framing cannot be trusted.
   */
  private void onInvalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    ApiError error = cause instanceof TooLongHttpLineException ? ApiError.uriTooLong(MAX_REQUEST_LINE_BYTES)
        : cause instanceof TooLongHttpHeaderException ? ApiError.headersTooLarge(MAX_HEADER_BYTES)
        : ApiError.malformedRequest();
    error.send(request.response());
    request.connection().close();
  }

  /** Bodies are JSON, which is UTF-8: bytes that do not decode are a 400, never silently replaced. */
  private static void requireUtf8Body(RoutingContext rc) {
    Buffer body = rc.body().buffer();
    if (body != null && body.length() > 0 && !isUtf8(ByteBuffer.wrap(body.getBytes()))) {
      throw ApiError.invalid(null, "invalid_encoding", "The request body is not valid UTF-8.");
    }
    rc.next();
  }

  static boolean isUtf8(ByteBuffer bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /**
   * Ingress's span of a request that submits a job: a child of the request's W3C {@code traceparent}
   * header when it is valid, else a new trace. Its trace is what the job's record carries.
   */
  public static StageSpan trace(Tracing tracing, RoutingContext rc, String tenant) {
    JobTrace parent = JobTrace.parse(rc.request().getHeader(JobTrace.TRACEPARENT_HEADER), tenant, null);
    return tracing.start(INGRESS_SPAN, Tracing.Kind.SERVER, parent, tenant, null, null);
  }

  /** The name of ingress's span of a request (HTTP, a Kafka request record, a batch line). */
  public static final String INGRESS_SPAN = "fusion.ingress";

  public static void json(RoutingContext rc, int status, Object body) {
    rc.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(io.vertx.core.buffer.Buffer.buffer(Json.toBytes(body)));
  }
}
