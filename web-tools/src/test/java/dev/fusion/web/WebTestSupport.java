package dev.fusion.web;

import dev.fusion.gateway.ToolExecutor;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.config.WebConfig;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Real HTTP servers on 127.0.0.1 (port 0) and the web settings as the environment would give them. */
final class WebTestSupport {
  private WebTestSupport() {}

  static WebConfig config(Map<String, String> env) {
    return FusionConfig.fromEnv(env).web();
  }

  static HttpServer server(Vertx vertx, Handler<HttpServerRequest> handler) {
    return server(vertx, new HttpServerOptions(), handler);
  }

  static HttpServer server(Vertx vertx, HttpServerOptions options, Handler<HttpServerRequest> handler) {
    return await(vertx.createHttpServer(options.setHost("127.0.0.1").setPort(0)).requestHandler(handler).listen());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static ToolExecutor.Executed call(WebTools tools, String function, String arguments) {
    return await(tools.execute("call_1", function, arguments));
  }

  static JsonNode content(ToolExecutor.Executed outcome) {
    try {
      return Json.MAPPER.readTree(outcome.content());
    } catch (Exception e) {
      throw new IllegalStateException("not JSON: " + outcome.content(), e);
    }
  }
}
