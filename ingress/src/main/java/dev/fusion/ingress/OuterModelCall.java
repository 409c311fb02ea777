package dev.fusion.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.gateway.ModelGateway;
import dev.fusion.common.gateway.Provider;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * The outer model's routing call: one non-streaming completion that returns the provider's raw
 * {@code message}, because deciding "fusion or not" and passing the client's {@code tool_calls} through
 * needs the tool calls, which the model gateway's {@code ChatResult} does not carry yet. It uses the
 * gateway's provider table and sends the same {@code x-fusion-depth: 1}. Once the gateway returns tool
 * calls this class should go (see the report of issue 4).
 */
final class OuterModelCall {
  static final String FUSION_TOOL = "fusion";

  private final StageContext ctx;
  private final HttpClientAgent http;

  OuterModelCall(StageContext ctx) {
    this.ctx = ctx;
    this.http = ctx.vertx().createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000));
  }

  /** The fusion tool as the outer model sees it: a function without arguments. */
  static ObjectNode fusionTool() {
    ObjectNode tool = Json.object().put("type", "function");
    ObjectNode fn = tool.putObject("function").put("name", FUSION_TOOL).put("description",
        "Ask a panel of AI models to answer the conversation independently, have a judge compare their answers, "
            + "and get the comparison to write a better final answer. Use it for research, comparisons, expert "
            + "critique and questions where being wrong is costly; answer simple questions directly.");
    fn.putObject("parameters").put("type", "object").put("additionalProperties", false).putObject("properties");
    return tool;
  }

  /** Fails with a 502 {@link ApiError} when the model cannot be reached or answers with an error. */
  Future<JsonNode> call(String model, ArrayNode messages, ArrayNode tools, JsonNode toolChoice, Double temperature,
      Integer maxTokens) {
    Provider provider = ctx.gateway().config().providerFor(model);
    if (provider == null) {
      return Future.failedFuture(new ApiError(400, "invalid_request_error", "model_not_found", "model",
          "No provider is configured for model '" + model + "'."));
    }
    ObjectNode body = Json.object().put("model", provider.wireModel(model));
    body.set("messages", messages);
    if (tools != null && !tools.isEmpty()) {
      body.set("tools", tools);
      body.set("tool_choice", toolChoice == null ? Json.MAPPER.getNodeFactory().textNode("auto") : toolChoice);
    }
    if (temperature != null) {
      body.put("temperature", temperature);
    }
    if (maxTokens != null) {
      body.put("max_completion_tokens", maxTokens);
    }
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(provider.baseUrl() + "/chat/completions")
        .setIdleTimeout(ctx.gateway().config().callTimeout().toMillis())
        .putHeader("content-type", "application/json")
        .putHeader(ModelGateway.DEPTH_HEADER, "1");
    if (provider.apiKey() != null && !provider.apiKey().isBlank()) {
      options.putHeader("authorization", "Bearer " + provider.apiKey());
    }
    return http.request(options)
        .compose(req -> req.send(Buffer.buffer(Json.toBytes(body))))
        .compose(resp -> resp.body().map(b -> {
          JsonNode root;
          try {
            root = Json.MAPPER.readTree(b.getBytes());
          } catch (Exception e) {
            root = null;
          }
          if (resp.statusCode() != 200 || root == null || !root.path("choices").path(0).has("message")) {
            // Auth errors may quote (part of) a key: never pass their text on.
            boolean auth = resp.statusCode() == 401 || resp.statusCode() == 403;
            String upstream = root == null || auth ? "" : root.path("error").path("message").asText("");
            if (upstream.length() > 300) {
              upstream = upstream.substring(0, 300) + "…";
            }
            throw new ApiError(502, "upstream_error", "upstream_error", null, "The model " + model
                + " answered HTTP " + resp.statusCode() + (upstream.isEmpty() ? "" : ": " + upstream));
          }
          return root;
        }))
        .recover(e -> Future.failedFuture(e instanceof ApiError ? e : new ApiError(502, "upstream_error",
            "connection_error", null, "The model " + model + " could not be reached.")));
  }

  /** True when the outer model's message calls the fusion tool. */
  static boolean callsFusion(JsonNode message) {
    for (JsonNode call : message.path("tool_calls")) {
      if (FUSION_TOOL.equals(call.path("function").path("name").asText())) {
        return true;
      }
    }
    return false;
  }

  void close() {
    http.close();
  }
}
