package dev.fusion.ingress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.kafka.KafkaReachability;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP transport of ingress: thin handlers that parse, call domain code and write JSON. A job is
 * answered 202 only after Kafka acknowledged it.
 */
final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

  private final StageContext ctx;
  private final JobsView view;
  private final IngressOptions options;
  private final JobRequests requests;
  private final JobSubmitter submitter;
  private final Idempotency idempotency;
  private final Supplier<Map<String, Boolean>> health;
  private final BatchService batches;
  private HttpServer server;

  HttpApi(StageContext ctx, JobsView view, IngressOptions options, BatchService batches,
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
    new JobsRoutes(requests, submitter, idempotency, view).mount(router);
    new EventsRoutes(view).mount(router);
    ChatCompletionsRoutes.create(ctx, submitter, view).mount(router);
    new RejudgeRoutes(ctx, view).mount(router);
    router.route().last().handler(rc -> fail(rc, ApiError.notFound("not_found",
        "No route for " + rc.request().method() + " " + rc.request().path() + ".")));
    router.route().failureHandler(this::onFailure);
    return router;
  }

  Future<HttpServer> listen(int port) {
    server = ctx.vertx().createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setHost("0.0.0.0")
        .setCompressionSupported(true));
    return server.requestHandler(router()).listen(port);
  }

  JobSubmitter submitter() {
    return submitter;
  }

  JobRequests requests() {
    return requests;
  }

  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
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
    if (failure instanceof ApiError api) {
      writeError(rc, api);
    } else if (rc.statusCode() == 413) {
      writeError(rc, new ApiError(413, "invalid_request_error", "request_too_large", null,
          "The request body is larger than " + options.maxBodyBytes() + " bytes."));
    } else if (rc.statusCode() >= 400 && rc.statusCode() < 500) {
      writeError(rc, new ApiError(rc.statusCode(), "invalid_request_error", "bad_request", null,
          "The request could not be processed."));
    } else {
      LOG.error("unexpected error on {} {}", rc.request().method(), rc.request().path(), failure);
      writeError(rc, new ApiError(500, "server_error", "internal_error", null, "Internal error."));
    }
  }

  private static void fail(RoutingContext rc, ApiError error) {
    writeError(rc, error);
  }

  private static void writeError(RoutingContext rc, ApiError error) {
    if (!rc.response().ended() && !rc.response().headWritten()) {
      error.headers().forEach(rc.response()::putHeader);
      json(rc, error.status(), error.body());
    }
  }

  static void json(RoutingContext rc, int status, Object body) {
    rc.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(io.vertx.core.buffer.Buffer.buffer(Json.toBytes(body)));
  }
}
