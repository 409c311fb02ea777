package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChatCompletionsTest extends SimulatorTestBase {

  private static final String PROMPT = "Should a small team adopt Kafka for event-driven services?";

  @Override
  protected SimulatorConfig config() {
    return SimulatorConfig.defaults().withInstances(2); // two servers sharing one port
  }

  @Test
  void nonStreamingAnswerHasTheOpenAiShape() {
    HttpResponse<Buffer> r = chat(chatBody("sim/alpha", PROMPT));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("id")).startsWith("chatcmpl-");
    assertThat(body.getString("object")).isEqualTo("chat.completion");
    assertThat(body.getLong("created")).isPositive();
    assertThat(body.getString("model")).isEqualTo("sim/alpha");
    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getInteger("index")).isZero();
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    JsonObject message = choice.getJsonObject("message");
    assertThat(message.getString("role")).isEqualTo("assistant");
    String content = message.getString("content");
    int words = content.split("\\s+").length;
    assertThat(words).isBetween(60, 150);
    assertThat(content).contains("Should a small team adopt Kafka for event-driven");
    JsonObject usage = body.getJsonObject("usage");
    assertThat(usage.getInteger("prompt_tokens")).isPositive();
    assertThat(usage.getInteger("completion_tokens")).isEqualTo((content.length() + 3) / 4);
    assertThat(usage.getInteger("total_tokens"))
        .isEqualTo(usage.getInteger("prompt_tokens") + usage.getInteger("completion_tokens"));
  }

  @Test
  void modelSuffixIsStrippedFromTheModelField() {
    HttpResponse<Buffer> r = chat(chatBody("sim/alpha;latency_ms=0;fault=none", PROMPT));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("model")).isEqualTo("sim/alpha");
  }

  @Test
  void alsoServesPathWithoutV1AndContentParts() {
    JsonObject body =
        new JsonObject()
            .put("model", "sim/alpha")
            .put("temperature", 0.2)
            .put("max_completion_tokens", 300)
            .put("some_unknown_field", new JsonObject().put("x", 1))
            .put(
                "messages",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("role", "user")
                            .put(
                                "content",
                                new JsonArray()
                                    .add(new JsonObject().put("type", "text").put("text", PROMPT)))));
    HttpResponse<Buffer> r = post("/chat/completions", body);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(
            r.bodyAsJsonObject()
                .getJsonArray("choices")
                .getJsonObject(0)
                .getJsonObject("message")
                .getString("content"))
        .contains("Should a small team adopt");
  }

  @Test
  void answersAreDeterministicAndDifferBetweenModels() {
    String a1 = answer("sim/alpha", PROMPT);
    String a2 = answer("sim/alpha", PROMPT);
    String b = answer("sim/beta", PROMPT);
    String c = answer("sim/gamma", PROMPT);
    String otherPrompt = answer("sim/alpha", "What is the best way to learn piano as an adult?");

    assertThat(a1).isEqualTo(a2);
    assertThat(Set.of(a1, b, c)).hasSize(3);
    assertThat(otherPrompt).isNotEqualTo(a1);
    // Same prompt: the models share at least one sentence (consensus material).
    assertThat(sentences(a1)).containsAnyElementsOf(sentences(b));
  }

  @Test
  void aRememberedAnswerIsTheOneFirstGivenAlsoAfterTheMemoryStartsOver() {
    String first = answer("sim/alpha", PROMPT);
    int remembered = sim.rememberedCompletions();
    answer("sim/alpha", PROMPT);
    assertThat(sim.rememberedCompletions()).as("the same request again is remembered, not made anew")
        .isEqualTo(remembered).isPositive();
    List<String> others = new ArrayList<>();
    for (int i = 0; i < 600; i++) { // more distinct requests than the simulator remembers
      others.add(answer("sim/alpha", "Question number " + i + ": how do tides work?"));
    }
    assertThat(sim.rememberedCompletions()).as("bounded").isBetween(1, 512);

    assertThat(answer("sim/alpha", PROMPT)).isEqualTo(first);
    assertThat(answer("sim/alpha", "Question number 7: how do tides work?")).isEqualTo(others.get(7));
    assertThat(new HashSet<>(others)).hasSizeGreaterThan(1);
    assertThat(others).doesNotContain(first);
  }

  @Test
  void streamingChunksConcatenateToTheNonStreamingAnswer() {
    String expected = answer("sim/beta", PROMPT);

    HttpResponse<Buffer> r = chat(streamBody("sim/beta", PROMPT));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).startsWith("text/event-stream");
    List<String> data = sseData(r.bodyAsString());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    List<JsonObject> chunks = new ArrayList<>();
    for (String d : data.subList(0, data.size() - 1)) {
      chunks.add(new JsonObject(d));
    }
    Set<String> ids = new HashSet<>();
    for (JsonObject c : chunks) {
      assertThat(c.getString("object")).isEqualTo("chat.completion.chunk");
      assertThat(c.getString("model")).isEqualTo("sim/beta");
      ids.add(c.getString("id"));
    }
    assertThat(ids).hasSize(1);
    JsonObject first = chunks.get(0).getJsonArray("choices").getJsonObject(0);
    assertThat(first.getJsonObject("delta").getString("role")).isEqualTo("assistant");
    assertThat(chunks.size()).isGreaterThan(5);

    JsonObject finish = chunks.get(chunks.size() - 2).getJsonArray("choices").getJsonObject(0);
    assertThat(finish.getString("finish_reason")).isEqualTo("stop");
    assertThat(finish.getJsonObject("delta")).isEmpty();

    JsonObject usageChunk = chunks.get(chunks.size() - 1);
    assertThat(usageChunk.getJsonArray("choices")).isEmpty();
    assertThat(usageChunk.getJsonObject("usage").getInteger("completion_tokens"))
        .isEqualTo((expected.length() + 3) / 4);

    assertThat(streamedContent(data)).isEqualTo(expected);
  }

  @Test
  void streamingWithoutIncludeUsageHasNoUsageChunk() {
    JsonObject body = chatBody("sim/beta", PROMPT).put("stream", true);
    List<String> data = sseData(chat(body).bodyAsString());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    JsonObject last = new JsonObject(data.get(data.size() - 2));
    assertThat(last.getJsonArray("choices").getJsonObject(0).getString("finish_reason"))
        .isEqualTo("stop");
    assertThat(last.containsKey("usage")).isFalse();
  }

  @Test
  void pacedStreamingDeliversTheSameContent() {
    String expected = answer("sim/gamma", PROMPT);
    JsonObject body =
        streamBody("sim/gamma;tokens_per_s=5000;first_token_ms=20;latency_ms=10", PROMPT);
    HttpResponse<Buffer> r = chat(body);
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> data = sseData(r.bodyAsString());
    assertThat(streamedContent(data)).isEqualTo(expected);
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
  }

  @Test
  void lognormalLatencyStillAnswers() {
    String expected = answer("sim/gamma", PROMPT);
    assertThat(answer("sim/gamma;latency=lognormal;latency_median_ms=5;latency_sigma=0.3", PROMPT))
        .isEqualTo(expected);
  }

  @Test
  void unknownModelIs404WithOpenAiError() {
    HttpResponse<Buffer> r = chat(chatBody("gpt-4o", PROMPT));
    assertThat(r.statusCode()).isEqualTo(404);
    JsonObject err = r.bodyAsJsonObject().getJsonObject("error");
    assertThat(err.getString("type")).isEqualTo("invalid_request_error");
    assertThat(err.getString("param")).isEqualTo("model");
    assertThat(err.getString("code")).isEqualTo("model_not_found");
    assertThat(err.getString("message")).contains("gpt-4o");
  }

  @Test
  void invalidRequestsAre400() {
    assertThat(chat(new JsonObject().put("model", "sim/alpha")).statusCode()).isEqualTo(400);
    assertThat(chat(chatBody("sim/alpha;fault=explode", PROMPT)).statusCode()).isEqualTo(400);
    assertThat(chat(chatBody("sim/alpha;latency_ms=abc", PROMPT)).statusCode()).isEqualTo(400);
  }

  @Test
  void statsCountCallsPerModelNameAndReset() {
    assertThat(post("/sim/stats/reset", new JsonObject()).statusCode()).isEqualTo(200);
    answer("sim/stats-a", PROMPT);
    answer("sim/stats-a;latency_ms=1", PROMPT);
    answer("sim/stats-b", PROMPT);
    chat(chatBody("sim/stats-b;fault=http500", PROMPT));
    chat(chatBody("not-sim", PROMPT));

    JsonObject stats = get("/sim/stats").bodyAsJsonObject();
    assertThat(stats.getJsonObject("calls").getMap())
        .containsEntry("sim/stats-a", 2)
        .containsEntry("sim/stats-b", 2)
        .hasSize(2);
    assertThat(stats.getLong("total")).isEqualTo(4);
    assertThat(sim.callCounts()).containsEntry("sim/stats-a", 2L);

    post("/sim/stats/reset", new JsonObject());
    JsonObject after = get("/sim/stats").bodyAsJsonObject();
    assertThat(after.getJsonObject("calls")).isEmpty();
    assertThat(after.getLong("total")).isZero();
    assertThat(sim.callCounts()).isEmpty();
  }

  @Test
  void healthAndModels() {
    assertThat(get("/health").statusCode()).isEqualTo(200);
    assertThat(get("/v1/models").bodyAsJsonObject().getString("object")).isEqualTo("list");
    assertThat(sim.baseUrl()).isEqualTo("http://127.0.0.1:" + sim.port() + "/v1");
  }

  @Test
  void servesHttp2CleartextWithPriorKnowledgeAndManyConcurrentStreams() {
    WebClient h2 =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    try {
      List<io.vertx.core.Future<HttpResponse<Buffer>>> all = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        all.add(
            h2.post(sim.port(), "127.0.0.1", "/v1/chat/completions")
                .sendJsonObject(chatBody("sim/h2", PROMPT + " #" + i)));
      }
      await(io.vertx.core.Future.all(all));
      for (var f : all) {
        HttpResponse<Buffer> r = f.result();
        assertThat(r.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(200);
      }
    } finally {
      h2.close();
    }
  }

  private static List<String> sentences(String text) {
    return List.of(text.split("(?<=\\.)\\s+"));
  }
}
