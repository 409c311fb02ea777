package dev.fusion.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.ingress.Ingress;
import dev.fusion.ingress.IngressOptions;
import dev.fusion.ingress.batch.BatchService;
import dev.fusion.ingress.jobs.JobSubmitter;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.view.JobsView;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The routes the server registers and the routes /openapi.json describes are the same set. */
class OpenApiDocumentTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

  @Test
  void everyRegisteredRouteIsDocumentedAndEveryDocumentedRouteIsRegistered() throws Exception {
    Vertx vertx = Vertx.vertx();
    FusionConfig config = FusionConfig.fromEnv(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"));
    try (StageContext ctx = new StageContext(config, vertx, "openapi-test")) {
      JobsView view = new JobsView(config, ctx.topics(), ctx.deadLetters(), Files.createTempDirectory("openapi-view"));
      IngressOptions options = IngressOptions.defaults();
      BatchService batches = new BatchService(ctx, view, Files.createTempDirectory("openapi-batches"));
      HttpApi api = new HttpApi(ctx, new AuthHandler(options.apiKeys(), new RateLimiter(0, 1)), options.maxBodyBytes(),
          Ingress.routes(ctx, view, batches, new JobRequests(config, options.limits()), new JobSubmitter(ctx, view)),
          Map::of);

      Set<String> registered = new TreeSet<>();
      for (Route route : api.router().getRoutes()) {
        if (route.getPath() == null || route.methods() == null || route.methods().isEmpty()) {
          continue; // Handlers for every route (auth, body, not-found), not endpoints.
        }
        String path = route.getPath().replaceAll(":([A-Za-z_]+)", "{$1}");
        route.methods().forEach(m -> registered.add(m.name().toLowerCase() + " " + path));
      }
      Set<String> documented = new TreeSet<>();
      JsonNode paths = Json.tree(OpenApi.document().toString()).path("paths");
      paths.fieldNames().forEachRemaining(path -> paths.get(path).fieldNames().forEachRemaining(m -> {
        if (METHODS.contains(m)) {
          documented.add(m + " " + path);
        }
      }));

      assertThat(registered).contains("post /v1/jobs", "get /v1/jobs/{id}/events", "get /health");
      assertThat(documented).isEqualTo(registered);
    } finally {
      vertx.close().await();
    }
  }
}
