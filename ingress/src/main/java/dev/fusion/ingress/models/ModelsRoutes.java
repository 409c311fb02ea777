package dev.fusion.ingress.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.Provider;
import dev.fusion.ingress.http.QueryParams;
import dev.fusion.ingress.http.Routes;
import dev.fusion.ingress.request.Presets;
import dev.fusion.ingress.wire.ListObjects;
import dev.fusion.ingress.wire.ModelObjects;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/models}: the models this server offers, in OpenAI's list shape, so OpenAI clients that
 * list models work and the playground fills its pickers. First the fusion presets (owned by
 * {@code fusion}), then every model those presets name and every model the gateway configuration has
 * settings for, each owned by the provider that serves it (a model no provider serves is left out). The
 * list follows from the configuration alone, so it is rendered once.
 */
public final class ModelsRoutes implements Routes {
  /** Who owns the presets: Fusion itself. */
  static final String FUSION_OWNER = "fusion";

  private final Buffer body;

  public ModelsRoutes(Presets presets, GatewayConfig gateway, long createdAtSeconds) {
    this.body = Buffer.buffer(Json.toBytes(list(presets, gateway, createdAtSeconds)));
  }

  @Override
  public void mount(Router router) {
    router.get("/v1/models").handler(QueryParams.only()).handler(this::list);
  }

  private void list(RoutingContext rc) {
    rc.response().setStatusCode(200).putHeader("content-type", "application/json").end(body);
  }

  static ObjectNode list(Presets presets, GatewayConfig gateway, long created) {
    List<ObjectNode> items = new ArrayList<>();
    Set<String> models = new LinkedHashSet<>();
    for (Map.Entry<String, Presets.Preset> e : presets.byModelId().entrySet()) {
      Presets.Preset p = e.getValue();
      items.add(ModelObjects.preset(e.getKey(), created, FUSION_OWNER, p.name(), p.panel(), p.judge(),
          p.synthesizer()));
      models.addAll(p.panel());
      models.add(p.judge());
      models.add(p.synthesizer());
    }
    models.addAll(gateway.models().keySet().stream().sorted().toList());
    for (String model : models) {
      Provider provider = gateway.providerFor(model);
      if (provider != null) {
        items.add(ModelObjects.model(model, created, provider.name()));
      }
    }
    return ListObjects.page(items, false);
  }
}
