package dev.fusion.ingress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
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
  static final long MAX_BODY_BYTES = 4L * 1024 * 1024;

  private final StageContext ctx;
  private final JobsView view;
  private final JobRequests requests;
  private final JobSubmitter submitter;
  private final Supplier<Map<String, Boolean>> health;
  private final BatchService batches;
  private HttpServer server;

  HttpApi(StageContext ctx, JobsView view, BatchService batches, Supplier<Map<String, Boolean>> health) {
    this.batches = batches;
    this.ctx = ctx;
    this.view = view;
    this.requests = new JobRequests(ctx.config());
    this.submitter = new JobSubmitter(ctx, view);
    this.health = health;
  }

  Router router() {
    Router router = Router.router(ctx.vertx());
    router.get("/health").handler(this::health);
    // Batches first: the upload streams its body, so it must not go through the buffering BodyHandler.
    new BatchRoutes(batches, requests, view).mount(router);
    router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(MAX_BODY_BYTES).setHandleFileUploads(false));
    new JobsRoutes(requests, submitter, view).mount(router);
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

  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void health(RoutingContext rc) {
    Map<String, Boolean> checks = health.get();
    boolean ok = checks.values().stream().allMatch(Boolean::booleanValue);
    ObjectNode body = Json.object().put("status", ok ? "ok" : "starting");
    ObjectNode stages = body.putObject("stages");
    checks.forEach((name, ready) -> stages.put(name, ready ? "ready" : "not_ready"));
    json(rc, ok ? 200 : 503, body);
  }

  private void onFailure(RoutingContext rc) {
    Throwable failure = rc.failure();
    if (failure instanceof ApiError api) {
      writeError(rc, api);
    } else if (rc.statusCode() == 413) {
      writeError(rc, new ApiError(413, "invalid_request_error", "request_too_large", null,
          "The request body is larger than " + MAX_BODY_BYTES + " bytes."));
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
    if (!rc.response().ended()) {
      json(rc, error.status(), error.body());
    }
  }

  static void json(RoutingContext rc, int status, Object body) {
    rc.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(io.vertx.core.buffer.Buffer.buffer(Json.toBytes(body)));
  }
}
