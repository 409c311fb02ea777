package dev.fusion.ingress.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.kafka.KafkaReachability;
import dev.fusion.ingress.IngressOptions;
import dev.fusion.ingress.batch.BatchRoutes;
import dev.fusion.ingress.batch.BatchService;
import dev.fusion.ingress.chat.ChatCompletionsRoutes;
import dev.fusion.ingress.jobs.EventsRoutes;
import dev.fusion.ingress.jobs.Idempotency;
import dev.fusion.ingress.jobs.JobSubmitter;
import dev.fusion.ingress.jobs.JobsRoutes;
import dev.fusion.ingress.jobs.RejudgeRoutes;
import dev.fusion.ingress.request.ChatCompletionRequests;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.view.JobsView;
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
  private final JobsView view;
  private final IngressOptions options;
  private final JobRequests requests;
  private final JobSubmitter submitter;
  private final Idempotency idempotency;
  private final Supplier<Map<String, Boolean>> health;
  private final BatchService batches;
  private HttpServer server;

  public HttpApi(StageContext ctx, JobsView view, IngressOptions options, BatchService batches,
      Supplier<Map<String, Boolean>> health) {
    this.batches = batches;
    this.ctx = ctx;
    this.view = view;
    this.options = options;
    this.requests = new JobRequests(ctx.config(), options.limits());
    this.submitter = new JobSubmitter(ctx, view);
    this.idempotency = new Idempotency(view, submitter);
    this.health = health;
    if (options.maxBodyBytes() < ctx.config().recordBudget().maxJobBytes()) {
      LOG.warn("FUSION_MAX_BODY_BYTES={} is below the largest job this server accepts ({} bytes): larger jobs "
          + "can only come in through Kafka", options.maxBodyBytes(), ctx.config().recordBudget().maxJobBytes());
    }
  }

  Router router() {
    Router router = Router.router(ctx.vertx());
    // Public: health and the API description. Everything under /v1 needs a key (when keys are configured).
    router.get("/health").handler(this::health);
    router.get("/openapi.json").handler(rc -> rc.response().putHeader("content-type", "application/json")
        .end(OpenApi.document()));
    router.route("/v1/*").handler(new AuthHandler(options.apiKeys(),
        new RateLimiter(options.rateLimitPerSecond(), options.rateLimitBurst())));
    // Batches after auth but before the body handler: the upload streams its body, never buffered.
    new BatchRoutes(batches, requests, view).mount(router);
    router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(options.maxBodyBytes())
        .setHandleFileUploads(false));
    router.route("/v1/*").handler(HttpApi::requireUtf8Body);
    new JobsRoutes(requests, submitter, idempotency, view).mount(router);
    new EventsRoutes(view).mount(router);
    ChatCompletionsRoutes.create(ctx, submitter, view, new ChatCompletionRequests(requests.limits())).mount(router);
    new RejudgeRoutes(ctx, view).mount(router);
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

  public JobSubmitter submitter() {
    return submitter;
  }

  public JobRequests requests() {
    return requests;
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
      ApiError.bodyTooLarge(options.maxBodyBytes()).send(rc.response());
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

  public static void json(RoutingContext rc, int status, Object body) {
    rc.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(io.vertx.core.buffer.Buffer.buffer(Json.toBytes(body)));
  }
}
