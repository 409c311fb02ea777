package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.simulator.RecordedRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Web-grounded deliberation end to end on the real broker with the simulator: panel models and the judge
 * search the simulator's local web and read its pages through Fusion's web tools; what each inner call
 * received is asserted on the requests the simulator recorded.
 */
class WebDeliberationEndToEndTest extends SharedPipelineTestBase {

  @Test
  void aPanelModelThatSearchesAndFetchesListsItsSourcesAndItsToolCallsAreStreamed() throws Exception {
    // Given a panel whose first model searches the web and reads the top result before answering
    JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
    String id = client.submit(PipelineHarness.jobBody("How do heat pumps work in cold climates?",
        "sim/web-a;web_steps=2", "sim/web-b"));

    // Then the job completes; the model's answer cites the page it fetched, and its sources say what it did
    JsonNode result = awaitTerminal(id).path("result");
    JsonNode searcher = responseOf(result, "sim/web-a;web_steps=2");
    JsonNode sources = searcher.path("sources");
    assertThat(sources).hasSize(2);
    assertThat(sources.get(0).path("tool").asText()).isEqualTo("web_search");
    assertThat(sources.get(0).path("query").asText()).isNotBlank();
    assertThat(sources.get(0).path("result_count").asInt()).isPositive();
    assertThat(sources.get(1).path("tool").asText()).isEqualTo("web_fetch");
    String url = sources.get(1).path("url").asText();
    assertThat(url).startsWith(harness.simulator.rootUrl() + "/web/");
    assertThat(sources.get(1).path("status").asInt()).isEqualTo(200);
    assertThat(sources.get(1).path("bytes").asLong()).isPositive();
    assertThat(searcher.path("content").asText()).contains(url);
    // the other model made no tool calls and lists none
    assertThat(responseOf(result, "sim/web-b").has("sources")).isFalse();
    // and the panel member's usage counts all three of its calls
    List<RecordedRequest> calls = harness.simulator.requests("sim/web-a");
    assertThat(calls).hasSize(3);
    // the fetched page's readable text reached the model as the tool result answering its call
    JsonNode last = calls.get(2).body().path("messages");
    JsonNode fetchResult = last.get(last.size() - 1);
    assertThat(fetchResult.path("role").asText()).isEqualTo("tool");
    assertThat(fetchResult.path("content").asText()).contains(url).doesNotContain("<script");

    // And the stream carried each tool call as it happened, before the panel member's answer
    try (var events = client.events(id, null)) {
      List<JobsTestClient.Sse> all = events.untilEnd();
      List<JobsTestClient.Sse> toolCalls = all.stream()
          .filter(e -> EventTypes.PANEL_TOOL_CALL.equals(e.event())).toList();
      assertThat(toolCalls).hasSize(2);
      assertThat(data(toolCalls.get(0)).path("tool").asText()).isEqualTo("web_search");
      assertThat(data(toolCalls.get(1)).path("url").asText()).isEqualTo(url);
      assertThat(data(toolCalls.get(1)).path("model").asText()).isEqualTo("sim/web-a;web_steps=2");
      int lastToolCall = all.indexOf(toolCalls.get(1));
      int completed = indexOf(all, EventTypes.PANEL_COMPLETED, "sim/web-a;web_steps=2");
      assertThat(completed).isGreaterThan(lastToolCall);
      assertThat(data(all.get(completed)).path("sources")).hasSize(2);
    }
  }

  @Test
  void maxToolCallsOfOneCutsTheLoopAndTheModelStillAnswersInText() throws Exception {
    ObjectNode body = (ObjectNode) Json.tree(PipelineHarness.jobBody("What is the history of the bicycle?",
        "sim/cut-a;web_steps=3"));
    body.put("max_tool_calls", 1);
    String id = new JobsTestClient(stack.httpPort(), null).submit(Json.toString(body));

    JsonNode answer = responseOf(awaitTerminal(id).path("result"), "sim/cut-a;web_steps=3");
    assertThat(answer.path("sources")).hasSize(1);
    assertThat(answer.path("content").asText()).isNotBlank();
    List<RecordedRequest> calls = harness.simulator.requests("sim/cut-a");
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).body().path("tool_choice").asText()).isEqualTo("auto");
    assertThat(calls.get(1).body().path("tool_choice").asText()).isEqualTo("none");
  }

  @Test
  void theJudgeSearchesToo_andIsToldHowManyModelsWereAskedAndWhichFailed() throws Exception {
    // Given a judge that takes one web step, and a panel where one of three models fails
    ObjectNode body = (ObjectNode) Json.tree(PipelineHarness.jobBody("Are electric cars cheaper to run?",
        "sim/honest-a", "sim/honest-b", "sim/honest-c;fault=http401"));
    body.put("model", "sim/judge-web;web_steps=1");
    JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
    String id = client.submit(Json.toString(body));

    JsonNode result = awaitTerminal(id).path("result");
    assertThat(result.path("status").asText()).isEqualTo("completed");
    // The analysis records the coverage, and the result the labels the judge saw and its tool calls
    assertThat(result.path("analysis").path("asked").asInt()).isEqualTo(3);
    assertThat(result.path("analysis").path("answered").asInt()).isEqualTo(2);
    JsonNode judge = result.path("judge");
    assertThat(judge.path("model").asText()).isEqualTo("sim/judge-web"); // the concrete model that answered
    assertThat(judge.path("labels").path("Response A").asText()).startsWith("sim/honest-");
    assertThat(judge.path("labels").path("Response B").asText()).startsWith("sim/honest-");
    assertThat(judge.path("sources")).hasSize(1);
    assertThat(judge.path("on_panel").asBoolean()).isFalse();
    // The judge was told 3 were asked, 2 answered and one failed, without naming the failed model
    List<RecordedRequest> judgeCalls = harness.simulator.requests("sim/judge-web");
    String prompt = judgeCalls.get(0).body().path("messages").get(1).path("content").asText();
    assertThat(prompt).contains("3 models were asked; 2 answered; 1 did not")
        .contains("failed model 1: failed (auth_failed)").doesNotContain("honest-c");
    assertThat(judgeCalls.get(0).body().path("temperature").asDouble()).isZero();
    // And the judge's tool call was streamed
    try (var events = client.events(id, null)) {
      List<JobsTestClient.Sse> all = events.untilEnd();
      assertThat(all).anyMatch(e -> EventTypes.ANALYSIS_TOOL_CALL.equals(e.event()));
      JobsTestClient.Sse inProgress = all.stream().filter(e -> EventTypes.ANALYSIS_IN_PROGRESS.equals(e.event()))
          .findFirst().orElseThrow();
      assertThat(data(inProgress).path("judge_model").asText()).isEqualTo("sim/judge-web;web_steps=1");
      JobsTestClient.Sse failed = all.stream().filter(e -> EventTypes.PANEL_FAILED.equals(e.event()))
          .findFirst().orElseThrow();
      assertThat(data(failed).path("status_code").asInt()).isEqualTo(401);
    }
  }

  @Test
  void aJudgeThatAlsoSitsOnThePanelIsAllowedAndFlagged() throws Exception {
    ObjectNode body = (ObjectNode) Json.tree(PipelineHarness.jobBody("Is nuclear power safe?", "sim/onp-a",
        "sim/onp-b"));
    body.put("model", "sim/onp-a");
    String id = new JobsTestClient(stack.httpPort(), null).submit(Json.toString(body));
    JsonNode result = awaitTerminal(id).path("result");
    assertThat(result.path("status").asText()).isEqualTo("completed");
    assertThat(result.path("judge").path("on_panel").asBoolean()).isTrue();
  }

  @Test
  void theFusionConfigsSettingsReachThePanelAndJudgeCallsAndNotTheFinalAnswer() throws Exception {
    ObjectNode body = (ObjectNode) Json.tree(PipelineHarness.jobBody("Name three uses of graphene.",
        "sim/set-a", "sim/set-b"));
    body.put("model", "sim/set-judge").put("synthesizer", "sim/set-writer").put("temperature", 0.7)
        .put("max_completion_tokens", 900);
    body.putObject("reasoning").put("effort", "low");
    String id = new JobsTestClient(stack.httpPort(), null).submit(Json.toString(body));
    awaitTerminal(id);

    for (String panel : List.of("sim/set-a", "sim/set-b")) {
      JsonNode sent = harness.simulator.requests(panel).get(0).body();
      assertThat(sent.path("temperature").asDouble()).isEqualTo(0.7);
      assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(900);
      assertThat(sent.path("reasoning").path("effort").asText()).isEqualTo("low");
    }
    JsonNode judge = harness.simulator.requests("sim/set-judge").get(0).body();
    assertThat(judge.path("temperature").asDouble()).isZero();
    assertThat(judge.path("max_completion_tokens").asInt()).isEqualTo(900);
    assertThat(judge.path("reasoning").path("effort").asText()).isEqualTo("low");
    JsonNode writer = harness.simulator.requests("sim/set-writer").get(0).body();
    assertThat(writer.has("temperature")).isFalse();
    assertThat(writer.has("max_completion_tokens")).isFalse();
    assertThat(writer.has("reasoning")).isFalse();
    // The final answer's call shows the outer model its fusion call and the tool result, in the hosted shape
    JsonNode messages = writer.path("messages");
    JsonNode call = messages.get(messages.size() - 2);
    JsonNode toolResult = messages.get(messages.size() - 1);
    assertThat(call.path("tool_calls").get(0).path("function").path("name").asText()).isEqualTo("fusion");
    assertThat(toolResult.path("tool_call_id").asText()).isEqualTo(call.path("tool_calls").get(0).path("id").asText());
    JsonNode analysis = Json.tree(toolResult.path("content").asText());
    assertThat(analysis.path("status").asText()).isEqualTo("ok");
    assertThat(analysis.has("analysis")).isTrue();
    assertThat(analysis.path("responses")).hasSize(2);
    assertThat(analysis.path("failed_models")).isEmpty();
    assertThat(writer.path("tool_choice").asText()).isEqualTo("none");
    // Every inner call said it is one, under both names
    RecordedRequest panelCall = harness.simulator.requests("sim/set-a").get(0);
    assertThat(panelCall.header("x-fusion-depth")).isEqualTo("1");
    assertThat(panelCall.header("x-openrouter-fusion-depth")).isEqualTo("1");
  }

  @Test
  void whenEveryPanelModelIsRateLimitedTheJobSaysSoAndNoAnalysisEventClaimsAJudgeRan() throws Exception {
    JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
    String id = client.submit(PipelineHarness.jobBody("Anything?", "sim/busy-a;fault=http429",
        "sim/busy-b;fault=http429"));
    JsonNode job = awaitTerminal(id);
    assertThat(job.path("status").asText()).isEqualTo("failed");
    assertThat(job.path("result").path("failure_reason").asText()).isEqualTo("rate_limited");
    try (var events = client.events(id, null)) {
      List<JobsTestClient.Sse> all = events.untilEnd();
      assertThat(all).noneMatch(e -> EventTypes.ANALYSIS_FAILED.equals(e.event())
          || EventTypes.ANALYSIS_IN_PROGRESS.equals(e.event()));
      JobsTestClient.Sse fusionCall = all.stream()
          .filter(e -> EventTypes.FUSION_CALL_COMPLETED.equals(e.event())).findFirst().orElseThrow();
      assertThat(data(fusionCall).path("status").asText()).isEqualTo("failed");
    }
  }

  @Test
  void theStacksWebFetchRefusesTheOperatorsNetwork() throws Exception {
    var web = dev.fusion.web.WebTools.of(stack.context());
    String broker = stack.config().bootstrapServers().split(",")[0];
    for (String url : List.of("http://" + broker + "/", "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:" + stack.httpPort() + "/v1/jobs")) {
      var outcome = web.execute("call_1", "web_fetch", Json.object().put("url", url).toString())
          .toCompletionStage().toCompletableFuture().get();
      assertThat(outcome.step().error()).as(url).isNotNull();
      assertThat(outcome.content()).as(url).contains("error");
    }
  }

  @Test
  void aSearchBackendThatIsDownForGoodFailsThePanelMemberWithATypedReasonAndTheOthersStillAnswer()
      throws Exception {
    // Given a pipeline whose search backend does not answer at all (nothing listens on its port)
    int deadPort;
    try (var socket = new java.net.ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    try (FusionStack down = harness.newStack(java.util.Map.of("FUSION_SEARXNG_URL", "http://127.0.0.1:" + deadPort))) {
      JobsTestClient client = new JobsTestClient(down.httpPort(), null);
      String id = client.submit(PipelineHarness.jobBody("What is new in battery research?",
          "sim/down-a;web_steps=4", "sim/down-b"));
      JsonNode job = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> harness.getJson(down, "/v1/jobs/" + id),
              j -> j.path("status").asText().matches("completed|failed"));
      // Then the searching member failed, typed, after two steps; the other answered and the job completed
      assertThat(job.path("status").asText()).isEqualTo("completed");
      JsonNode failed = job.path("result").path("failed_models");
      assertThat(failed).hasSize(1);
      assertThat(failed.get(0).path("model").asText()).isEqualTo("sim/down-a;web_steps=4");
      assertThat(failed.get(0).path("reason").asText()).isEqualTo("web_tools_unavailable");
      assertThat(harness.simulator.requests("sim/down-a")).hasSize(2);
    }
  }

  // ---- helpers ----

  private static JsonNode awaitTerminal(String id) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> harness.getJson(stack, "/v1/jobs/" + id),
            job -> job.path("status").asText().matches("completed|failed"));
  }

  private static JsonNode responseOf(JsonNode result, String model) {
    for (JsonNode r : result.path("responses")) {
      if (r.path("model").asText().equals(model)) {
        return r;
      }
    }
    throw new AssertionError("no response from " + model + " in " + result.path("responses"));
  }

  /** An event's data, whether the stream sends the event whole or its data alone. */
  private static JsonNode data(JobsTestClient.Sse e) {
    return e.data().has("data") && e.data().has("type") ? e.data().path("data") : e.data();
  }

  private static int indexOf(List<JobsTestClient.Sse> all, String type, String model) {
    for (int i = 0; i < all.size(); i++) {
      if (type.equals(all.get(i).event()) && model.equals(data(all.get(i)).path("model").asText())) {
        return i;
      }
    }
    throw new AssertionError("no " + type + " for " + model);
  }
}
