package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.ModelSettings;
import dev.fusion.common.config.Price;
import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FailureReasons;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What goes over the wire to a provider, and what the gateway makes of provider-specific answers
 * (OpenRouter's usage accounting, reasoning and tool-call deltas), against a small real HTTP server
 * that records each request and answers as scripted.
 */
class GatewayWireTest {
  private static final String KEY = "sk-or-v1-TOPSECRET-0123456789";
  private static Vertx vertx;
  private static HttpServer server;
  private static final AtomicReference<JsonNode> lastBody = new AtomicReference<>();
  private static final AtomicReference<MultiMap> lastHeaders = new AtomicReference<>();
  private static volatile BiConsumer<JsonNode, HttpServerResponse> script;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      JsonNode body = Json.tree(b.toString());
      lastBody.set(body);
      lastHeaders.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      script.accept(body, req.response());
    })).listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stop() {
    server.close().await();
    vertx.close().await();
  }

  private static Provider openRouterLike() {
    return new Provider("openrouter", "http://127.0.0.1:" + server.actualPort() + "/api/v1", KEY,
        "OPENROUTER_API_KEY", List.of(""), false, 0, null, true, Map.of("X-Title", "Fusion"));
  }

  private static ModelGateway gateway(Map<String, ModelSettings> models) {
    return new ModelGateway(vertx, new GatewayConfig(List.of(openRouterLike()), models, Duration.ofSeconds(10),
        Duration.ofSeconds(10), 2, Duration.ofMillis(5), Duration.ofMillis(50), 8, 100, 0));
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void providerSpecificFieldsPassThroughAndUsageAccountingIsRequested() throws Exception {
    script = (body, resp) -> resp.putHeader("content-type", "application/json").end("""
        {"id":"gen-1","model":"anthropic/claude-sonnet-4","choices":[{"index":0,"message":{"role":"assistant",
         "content":"hi","reasoning":"thinking..."},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":10,"completion_tokens":20,"completion_tokens_details":{"reasoning_tokens":5},
                  "cost":0.00042}}""");
    ObjectNode extra = Json.object();
    extra.putArray("plugins").addObject().put("id", "web");
    extra.putObject("provider").putArray("order").add("anthropic");
    extra.putObject("reasoning").put("effort", "high");
    // A price table entry exists, but the provider's own cost wins.
    try (ModelGateway gateway = gateway(Map.of("anthropic/claude-sonnet-4",
        new ModelSettings(0, null, new Price(1000, 1000), List.of())))) {
      ChatResult r = await(gateway.chat(new ChatRequest("anthropic/claude-sonnet-4",
          List.of(ChatMessage.user("hi")), 0.2, 100, null, extra)));
      JsonNode sent = lastBody.get();
      assertThat(sent.path("plugins").get(0).path("id").asText()).isEqualTo("web");
      assertThat(sent.path("provider").path("order").get(0).asText()).isEqualTo("anthropic");
      assertThat(sent.path("reasoning").path("effort").asText()).isEqualTo("high");
      assertThat(sent.path("usage").path("include").asBoolean()).isTrue();
      assertThat(sent.path("model").asText()).isEqualTo("anthropic/claude-sonnet-4");
      assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(100);
      assertThat(lastHeaders.get().get("authorization")).isEqualTo("Bearer " + KEY);
      assertThat(lastHeaders.get().get("x-title")).isEqualTo("Fusion");
      assertThat(lastHeaders.get().get(ModelGateway.DEPTH_HEADER)).isEqualTo("1");
      assertThat(lastHeaders.get().get("x-openrouter-fusion-depth")).isEqualTo("1"); // the hosted feature's name
      assertThat(r.reasoning()).isEqualTo("thinking...");
      assertThat(r.usage().reasoningTokens()).isEqualTo(5);
      assertThat(r.usage().costUsd()).isEqualTo(0.00042);
    }
  }

  @Test
  void streamedReasoningToolCallsAndFinalUsageAreAssembled() throws Exception {
    script = (body, resp) -> {
      resp.setChunked(true).putHeader("content-type", "text/event-stream");
      String[] chunks = {
          "{\"model\":\"deepseek/deepseek-r1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning\":\"Let me \"}}]}",
          "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"think.\"}}]}",
          "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Calling \"}}]}",
          "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
              + "\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"q\\\":\"}}]}}]}",
          "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"kafka\\\"}\"}}]}}]}",
          "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}",
          "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":9,\"cost\":0.001}}"};
      for (String c : chunks) {
        resp.write("data: " + c + "\n\n");
      }
      resp.end("data: [DONE]\n\n");
    };
    try (ModelGateway gateway = gateway(Map.of())) {
      StringBuilder deltas = new StringBuilder();
      ChatResult r = await(gateway.chatStream(ChatRequest.of("deepseek/deepseek-r1", List.of(ChatMessage.user("q"))),
          deltas::append));
      assertThat(lastBody.get().path("stream").asBoolean()).isTrue();
      assertThat(lastBody.get().path("stream_options").path("include_usage").asBoolean()).isTrue();
      assertThat(deltas.toString()).isEqualTo("Calling ");
      assertThat(r.content()).isEqualTo("Calling ");
      assertThat(r.reasoning()).isEqualTo("Let me think.");
      assertThat(r.toolCalls()).containsExactly(new ToolCall("call_1", "function", "search", "{\"q\":\"kafka\"}"));
      assertThat(r.finishReason()).isEqualTo("tool_calls");
      assertThat(r.respondingModel()).isEqualTo("deepseek/deepseek-r1");
      assertThat(r.usage().promptTokens()).isEqualTo(7);
      assertThat(r.usage().costUsd()).isEqualTo(0.001);
    }
  }

  @Test
  void toolTurnsAreSentAsGivenAndToolCallsComeBack() throws Exception {
    script = (body, resp) -> resp.putHeader("content-type", "application/json").end("""
        {"id":"gen-2","model":"openai/gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,
         "tool_calls":[{"id":"call_9","type":"function","function":{"name":"lookup_order","arguments":"{\\"id\\":7}"}}]},
         "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":30,"completion_tokens":8}}""");
    ArrayNode conversation = (ArrayNode) Json.tree("""
        [{"role":"user","content":"Where is order 6?"},
         {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
           "function":{"name":"lookup_order","arguments":"{\\"id\\":6}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"shipped"},
         {"role":"user","content":"And order 7?"}]""");
    ObjectNode extra = Json.object();
    extra.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "lookup_order");
    extra.put("tool_choice", "auto");
    try (ModelGateway gateway = gateway(Map.of())) {
      ChatResult r = await(gateway.chat(new ChatRequest("openai/gpt-4o", List.of(ChatMessage.user("ignored")),
          null, null, null, extra).withWireMessages(conversation)));
      JsonNode sent = lastBody.get();
      assertThat(sent.path("messages")).isEqualTo(conversation);
      assertThat(sent.path("tools").get(0).path("function").path("name").asText()).isEqualTo("lookup_order");
      assertThat(sent.path("tool_choice").asText()).isEqualTo("auto");
      assertThat(r.toolCalls()).containsExactly(new ToolCall("call_9", "function", "lookup_order", "{\"id\":7}"));
      assertThat(r.finishReason()).isEqualTo("tool_calls");
      assertThat(r.content()).isEmpty();
      assertThat(r.usage().promptTokens()).isEqualTo(30);
    }
  }

  @Test
  void anErrorChunkMidStreamIsAnUpstreamError() throws Exception {
    script = (body, resp) -> resp.setChunked(true).putHeader("content-type", "text/event-stream")
        .end("data: {\"error\":{\"message\":\"provider overloaded\",\"code\":502}}\n\n");
    try (ModelGateway gateway = gateway(Map.of())) {
      ModelCallException e = failure(gateway.chatStream(ChatRequest.of("x/y", List.of(ChatMessage.user("q"))), d -> { }));
      assertThat(e.reason()).isEqualTo(FailureReasons.UPSTREAM_ERROR);
      assertThat(e.getMessage()).contains("provider overloaded");
    }
  }

  @Test
  void theKeyIsNeverEchoedInErrorsNorPrinted() throws Exception {
    // A provider that echoes the request's Authorization header in its error message.
    script = (body, resp) -> resp.setStatusCode(401).putHeader("content-type", "application/json")
        .end("{\"error\":{\"message\":\"bad key: " + lastHeaders.get().get("authorization") + "\"}}");
    try (ModelGateway gateway = gateway(Map.of())) {
      ModelCallException e = failure(gateway.chat(ChatRequest.of("x/y", List.of(ChatMessage.user("q")))));
      assertThat(e.reason()).isEqualTo(FailureReasons.AUTH_FAILED);
      assertThat(e.getMessage()).contains("bad key").doesNotContain(KEY).doesNotContain("TOPSECRET");
      assertThat(String.valueOf(e)).doesNotContain(KEY);
      assertThat(openRouterLike().toString()).doesNotContain(KEY).contains("OPENROUTER_API_KEY");
      assertThat(gateway.config().toString()).doesNotContain(KEY);
    }
  }

  private static ModelCallException failure(io.vertx.core.Future<?> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return (ModelCallException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
