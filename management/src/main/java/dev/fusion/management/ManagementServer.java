package dev.fusion.management;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management endpoint of a process, on its own port ({@code FUSION_MANAGEMENT_PORT}), apart from the
 * API so probes and scrapes never queue behind client traffic and the API's auth does not apply:
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process runs (its event loop answers);
 *   <li>{@code GET /health/ready}: 200 when every check holds (consumers assigned, stores restored,
 *       Streams RUNNING, a model provider reachable, ...), else 503; both with the checks as JSON. False
 *       from the moment a shutdown begins ({@link #shuttingDown}), so load balancers stop sending first;
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format, rendered off the event loop.
 * </ul>
 */
public final class ManagementServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);
  public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;
  private final ProcessMetrics metrics;
  private final Supplier<Map<String, Boolean>> checks;
  private volatile boolean shuttingDown;
  private HttpServer server;

  /**
   * @param checks what readiness is made of, by name; asked on every {@code /health/ready} (cheap reads of
   *     volatile state, never blocking)
   */
  public ManagementServer(Vertx vertx, ProcessMetrics metrics, Supplier<Map<String, Boolean>> checks) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.checks = checks;
  }

  /** Listens on {@code port} of every interface (probes and scrapers come from outside); 0 picks a free one. */
  public Future<Integer> start(int port) {
    return vertx.createHttpServer().requestHandler(this::handle).listen(port, "0.0.0.0").map(s -> {
      server = s;
      LOG.info("management endpoint on port {} (/health/live, /health/ready, /metrics)", s.actualPort());
      return s.actualPort();
    });
  }

  /**
   * Listens on the configured port; when none was configured and the default one is taken (several Fusion
   * processes on one host), on a free port instead, which the log names.
   */
  public Future<Integer> start(ManagementSettings settings) {
    return start(settings.port()).recover(e -> {
      if (settings.portSet()) {
        return Future.failedFuture(new IllegalStateException("the management endpoint cannot listen on port "
            + settings.port() + " (" + ManagementSettings.PORT_VAR + "): " + e.getMessage(), e));
      }
      LOG.warn("management port {} is taken and {} is not set; using a free port instead", settings.port(),
          ManagementSettings.PORT_VAR);
      return start(0);
    });
  }

  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  /** Readiness turns false for good: the process is stopping. */
  public void shuttingDown() {
    shuttingDown = true;
  }

  /** The checks as the readiness answer shows them, {@code shutting_down} first once a shutdown began. */
  public Map<String, Boolean> readiness() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    if (shuttingDown) {
      out.put("shutting_down", false);
    }
    try {
      out.putAll(checks.get());
    } catch (RuntimeException e) {
      out.put("checks", false); // A check that throws is a check that fails.
    }
    return out;
  }

  /** Ready when there is at least one check and every check holds. */
  private static boolean allHold(Map<String, Boolean> checks) {
    return !checks.isEmpty() && checks.values().stream().allMatch(Boolean::booleanValue);
  }

  private void handle(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      req.response().setStatusCode(405).putHeader("allow", "GET").end();
      return;
    }
    switch (req.path()) {
      case "/health/live" -> json(req, 200, new JsonObject().put("status", "live"));
      case "/health/ready" -> {
        Map<String, Boolean> r = readiness();
        boolean ready = allHold(r);
        json(req, ready ? 200 : 503, new JsonObject().put("status", ready ? "ready" : "not_ready")
            .put("checks", new JsonObject(new LinkedHashMap<>(r))));
      }
      case "/metrics" -> vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
        if (ar.succeeded()) {
          req.response().putHeader("content-type", PROMETHEUS_TEXT).end(ar.result());
        } else {
          req.response().setStatusCode(500).end();
        }
      });
      default -> json(req, 404, new JsonObject().put("error", "not_found")
          .put("paths", "/health/live, /health/ready, /metrics"));
    }
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  @Override
  public void close() {
    if (server != null) {
      server.close().await();
    }
  }
}
