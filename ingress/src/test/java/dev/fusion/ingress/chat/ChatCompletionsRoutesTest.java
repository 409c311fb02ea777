package dev.fusion.ingress.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.Usage;
import dev.fusion.common.kafka.StageTestEnvironment;
import dev.fusion.ingress.Ingress;
import dev.fusion.ingress.IngressOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /v1/chat/completions} over real HTTP on a real ingress (in-JVM Kafka, the simulator as the
 * outer model), with no pipeline behind it: the test plays the pipeline by publishing the job's result
 * record to the results topic, as the synthesizer would, so what the route makes of each result is
 * asserted exactly. What the route submits is read back from the jobs topic.
 */
@Execution(ExecutionMode.CONCURRENT) // One ingress; each test's prompt is its own, so is its job.
class ChatCompletionsRoutesTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @RegisterExtension
  static final StageTestEnvironment ENV = new StageTestEnvironment();
  private static StageContext ctx;
  private static Ingress ingress;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    FusionConfig config = FusionConfig.fromEnv(ENV.pipelineEnv(Map.of()));
    ctx = new StageContext(config, ENV.vertx(), "chat-routes-test").ensureTopics();
    ingress = new Ingress(ctx, 0, config.dataDir().resolve("ingress-view"), null, IngressOptions.defaults());
    ingress.start();
  }

  @AfterAll
  static void stop() {
    ingress.stop();
    ctx.close();
  }

  /** A request whose prompt no other test uses, so its job is told apart on the shared topic. */
  private static ObjectNode request(String model) {
    ObjectNode body = Json.object().put("model", model);
    body.putArray("messages").addObject().put("role", "user")
        .put("content", "Compare heat pumps and gas boilers, case " + UUID.randomUUID());
    return body;
  }

  private static HttpRequest.Builder post(JsonNode body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingress.port()
            + "/v1/chat/completions")).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.toString(body)));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private static HttpResponse<String> send(JsonNode body, String... headers) throws Exception {
    return HTTP.send(post(body, headers).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static CompletableFuture<HttpResponse<String>> sendAsync(JsonNode body, String... headers) {
    return HTTP.sendAsync(post(body, headers).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Every job on the jobs topic whose conversation is this request's. */
  private static List<FusionJob> jobsOf(JsonNode body) {
    String prompt = body.path("messages").get(0).path("content").asText();
    return ENV.kafka().readAll(ctx.topics().jobs().name()).stream()
        .map(r -> Json.fromBytes(r.value(), FusionJob.class))
        .filter(j -> j.messages().stream().anyMatch(m -> m.content().equals(prompt)))
        .toList();
  }

  private static FusionJob awaitJob(JsonNode body) {
    await().atMost(WAIT).until(() -> jobsOf(body).size() == 1);
    return jobsOf(body).get(0);
  }

  private static void publishResult(FusionResult result) throws Exception {
    ctx.publisher().send(ctx.topics().results(), result.jobId(), result).get();
  }

  private static FusionResult failedResult(FusionJob job) {
    return new FusionResult(FusionResult.SCHEMA_VERSION, job.jobId(), job.tenant(), FusionResult.FAILED, null, null,
        FusionResult.ROUTER, null, List.of(),
        List.of(new FusionResult.FailedModel("sim/alpha", FailureReasons.UPSTREAM_ERROR, 500, "HTTP 500")),
        FailureReasons.ALL_PANELS_FAILED, "No panel model answered.", null, Map.of("total", 5L),
        job.acceptedAtMs(), job.acceptedAtMs() + 5);
  }

  private static FusionResult toolCallingResult(FusionJob job) {
    return new FusionResult(FusionResult.SCHEMA_VERSION, job.jobId(), job.tenant(), FusionResult.COMPLETED, "",
        "sim/writer", FusionResult.ROUTER, null, List.of(), List.of(), null, null,
        new FusionResult.UsageReport(Map.of(), Map.of(), new Usage(7, 3, 0, null)), Map.of("total", 5L),
        job.acceptedAtMs(), job.acceptedAtMs() + 5, null, null, null, null, null,
        List.of(new FusionResult.AnswerToolCall("call_1", "lookup", "{\"q\":\"boilers\"}")));
  }

  // ---- a failed deliberation: 424, never a status the SDKs retry ----

  @Test
  void aFailedResultIsA424WithTheFailureReasonAndTheFusionObject() throws Exception {
    ObjectNode body = request("fusion").put("tool_choice", "required");
    CompletableFuture<HttpResponse<String>> pending = sendAsync(body);
    FusionJob job = awaitJob(body);
    publishResult(failedResult(job));

    HttpResponse<String> response = pending.get();
    assertThat(response.statusCode()).as(response.body()).isEqualTo(424);
    JsonNode error = Json.tree(response.body());
    assertThat(error.path("error").path("type").asText()).isEqualTo("upstream_error");
    assertThat(error.path("error").path("code").asText()).isEqualTo(FailureReasons.ALL_PANELS_FAILED);
    assertThat(error.path("error").path("message").asText()).contains(job.jobId());
    assertThat(error.path("fusion").path("status").asText()).isEqualTo("failed");
    assertThat(error.path("fusion").path("failed_models").get(0).path("model").asText()).isEqualTo("sim/alpha");
  }

  @Test
  void aFailedResultEndsAStreamWithTheSameErrorObject() throws Exception {
    ObjectNode body = request("fusion").put("tool_choice", "required").put("stream", true);
    CompletableFuture<HttpResponse<String>> pending = sendAsync(body);
    FusionJob job = awaitJob(body);
    publishResult(failedResult(job));

    HttpResponse<String> response = pending.get();
    assertThat(response.statusCode()).isEqualTo(200); // the stream had started
    List<String> events = response.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6))
        .toList();
    JsonNode last = Json.tree(events.get(events.size() - 1));
    assertThat(Json.toString(last)).isEqualTo(Json.toString(ChatCompletionsRoutes.failed(failedResult(job)).body()));
    assertThat(last.path("error").path("code").asText()).isEqualTo(FailureReasons.ALL_PANELS_FAILED);
  }

  // ---- a final answer that calls the client's functions ----

  @Test
  void aResultWithToolCallsIsAToolCallsCompletionAndStreamsItsCallsBeforeTheLastChunk() throws Exception {
    ObjectNode body = request("sim/outer");
    body.putArray("tools").add(Json.tree("{\"type\":\"openrouter:fusion\"}"))
        .add(Json.tree("{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{}}}"));
    body.put("tool_choice", "required");
    CompletableFuture<HttpResponse<String>> pending = sendAsync(body);
    FusionJob job = awaitJob(body);
    // The client's own function is the outer model's to call; the fusion entry is not among them.
    assertThat(job.outer().tools()).isEqualTo(Json.MAPPER.createArrayNode().add(body.path("tools").get(1)));
    publishResult(toolCallingResult(job));
    HttpResponse<String> response = pending.get();
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode choice = Json.tree(response.body()).path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(choice.path("message").path("content").isNull()).isTrue();
    assertThat(choice.path("message").path("tool_calls").get(0).path("function").path("name").asText())
        .isEqualTo("lookup");

    ObjectNode streamed = request("sim/outer");
    streamed.set("tools", body.get("tools"));
    streamed.put("tool_choice", "required").put("stream", true);
    CompletableFuture<HttpResponse<String>> stream = sendAsync(streamed);
    publishResult(toolCallingResult(awaitJob(streamed)));
    List<String> data = stream.get().body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6))
        .toList();
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    JsonNode calls = Json.tree(data.get(data.size() - 3)).path("choices").get(0);
    assertThat(calls.path("delta").path("tool_calls").get(0).path("index").asInt()).isZero();
    assertThat(calls.path("delta").path("tool_calls").get(0).path("id").asText()).isEqualTo("call_1");
    assertThat(calls.path("finish_reason").isNull()).isTrue();
    JsonNode last = Json.tree(data.get(data.size() - 2));
    assertThat(last.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(last.path("usage").path("total_tokens").asLong()).isEqualTo(10);
  }

  // ---- Idempotency-Key ----

  @Test
  void aRetryWithTheSameIdempotencyKeyJoinsTheJobItStartedAndADifferentBodyIsAConflict() throws Exception {
    String key = "retry-" + UUID.randomUUID();
    // tool_choice auto: the outer model (the simulator's writer) routes "Compare ..." to fusion.
    ObjectNode body = request("fusion");
    HttpResponse<String> first = send(body, "Idempotency-Key", key, "x-fusion-wait-ms", "1");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    String jobId = Json.tree(first.body()).path("id").asText();

    HttpResponse<String> retry = send(body, "Idempotency-Key", key, "x-fusion-wait-ms", "1");
    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(202);
    assertThat(Json.tree(retry.body()).path("id").asText()).isEqualTo(jobId);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    // The retry joined before anything else was spent: one job on the topic, with its routing call.
    FusionJob job = awaitJob(body);
    assertThat(job.jobId()).isEqualTo(jobId);
    assertThat(job.submission().idempotencyKey()).isEqualTo(key);
    assertThat(job.outer().routerModel()).isEqualTo("sim/writer");
    assertThat(job.outer().routerUsage().promptTokens()).isPositive();
    assertThat(job.onFailure()).isEqualTo(FusionJob.ON_FAILURE_ANSWER);

    // The result reaches a retry that joined: it answers as the first request would have.
    CompletableFuture<HttpResponse<String>> waiting = sendAsync(body, "Idempotency-Key", key);
    publishResult(FusionResult.completed(jobId, job.tenant(), "Heat pumps, mostly.", "sim/writer",
        job.acceptedAtMs(), job.acceptedAtMs() + 5));
    HttpResponse<String> answered = waiting.get();
    assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
    assertThat(Json.tree(answered.body()).path("fusion").path("job_id").asText()).isEqualTo(jobId);
    assertThat(Json.tree(answered.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Heat pumps, mostly.");
    assertThat(jobsOf(body)).hasSize(1);

    HttpResponse<String> other = send(request("fusion"), "Idempotency-Key", key, "x-fusion-wait-ms", "1");
    assertThat(other.statusCode()).as(other.body()).isEqualTo(409);
    assertThat(Json.tree(other.body()).path("error").path("code").asText()).isEqualTo("idempotency_key_reused");
  }

  @Test
  void aStreamedRetryJoinsTooAndGetsTheWholeAnswer() throws Exception {
    String key = "stream-" + UUID.randomUUID();
    ObjectNode body = request("fusion").put("tool_choice", "required").put("stream", true);
    CompletableFuture<HttpResponse<String>> first = sendAsync(body, "Idempotency-Key", key);
    FusionJob job = awaitJob(body);
    // The retry joins the job the first request is still waiting for.
    CompletableFuture<HttpResponse<String>> retry = sendAsync(body, "Idempotency-Key", key);
    publishResult(FusionResult.completed(job.jobId(), job.tenant(), "Tides follow the moon.", "sim/writer",
        job.acceptedAtMs(), job.acceptedAtMs() + 5));
    for (HttpResponse<String> r : List.of(first.get(), retry.get())) {
      String text = r.body().lines().filter(l -> l.startsWith("data: {")).map(l -> Json.tree(l.substring(6)))
          .map(c -> c.path("choices").get(0).path("delta").path("content").asText(""))
          .reduce("", String::concat);
      assertThat(text).isEqualTo("Tides follow the moon.");
    }
    assertThat(jobsOf(body)).hasSize(1);
  }

  // ---- the depth headers and enabled: false: the outer model answers, no job ----

  @Test
  void eitherDepthHeaderMakesTheOuterModelAnswerDirectly() throws Exception {
    for (String header : List.of("x-fusion-depth", "x-openrouter-fusion-depth")) {
      ObjectNode body = request("fusion").put("tool_choice", "required");
      HttpResponse<String> response = send(body, header, "1");
      assertThat(response.statusCode()).as(header + ": " + response.body()).isEqualTo(200);
      JsonNode c = Json.tree(response.body());
      assertThat(c.path("model").asText()).as(header).isEqualTo("sim/writer");
      assertThat(c.has("fusion")).as(header).isFalse();
      assertThat(jobsOf(body)).as(header).isEmpty();
    }
    // Depth 0 deliberates as usual.
    ObjectNode body = request("fusion").put("tool_choice", "required");
    assertThat(send(body, "x-openrouter-fusion-depth", "0", "x-fusion-wait-ms", "1").statusCode()).isEqualTo(202);
    assertThat(awaitJob(body).jobId()).startsWith("job_");
  }

  @Test
  void theDepthIsTheLargerOfTheTwoHeadersAndUnreadableCountsAsNested() {
    assertThat(ChatCompletionsRoutes.depth((String) null)).isZero();
    assertThat(ChatCompletionsRoutes.depth(" 2 ")).isEqualTo(2);
    assertThat(ChatCompletionsRoutes.depth("deep")).isEqualTo(1);
    assertThat(ChatCompletionsRoutes.HOSTED_DEPTH_HEADER).isEqualTo("x-openrouter-fusion-depth");
  }

  @Test
  void fusionTurnedOffIsAPlainCompletionOfTheOuterModel() throws Exception {
    ObjectNode body = request("fusion").put("tool_choice", "required");
    body.putArray("plugins").addObject().put("id", "fusion").put("enabled", false);
    HttpResponse<String> response = send(body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode c = Json.tree(response.body());
    assertThat(c.path("model").asText()).isEqualTo("sim/writer");
    assertThat(c.path("choices").get(0).path("message").path("content").asText()).isNotBlank();
    assertThat(c.has("fusion")).isFalse();
    assertThat(jobsOf(body)).isEmpty();
  }
}
