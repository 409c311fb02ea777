package dev.fusion.ingress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.config.FusionConfig;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.request.ChatCompletionRequests.ChatCall;
import dev.fusion.ingress.request.ChatCompletionRequests.ToolChoice;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatCompletionRequestsTest {
  private static final String MSG = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
  private final FusionConfig config = FusionConfig.fromEnv(Map.of());
  private final ChatCompletionRequests requests = new ChatCompletionRequests(
      Limits.of(config, RequestLimits.DEFAULT, Presets.fromEnv(Map.of(), config)));

  private ChatCall parse(String json) {
    return requests.parse(JobRequests.parseBody(json));
  }

  private void rejected(String json, String param, String code) {
    assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(ApiError.class, e -> {
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.param()).isEqualTo(param);
      assertThat(e.code()).isEqualTo(code);
    });
  }

  @Test
  void fusionTakesTheQualityPresetAndAutoToolChoice() {
    ChatCall call = parse("{\"model\":\"fusion\"," + MSG + "}");
    assertThat(call.deliberates()).isTrue();
    assertThat(call.fusion().panel()).containsExactly("sim/alpha", "sim/beta", "sim/gamma");
    assertThat(call.fusion().judge()).isEqualTo("sim/judge");
    assertThat(call.outerModel()).isEqualTo("sim/writer");
    assertThat(call.toolChoice()).isEqualTo(ToolChoice.AUTO);
    assertThat(call.stream()).isFalse();
  }

  @Test
  void presetsPickTheirPanels() {
    assertThat(parse("{\"model\":\"fusion/budget\"," + MSG + "}").fusion().panel()).containsExactly("sim/alpha");
    assertThat(parse("{\"model\":\"fusion/fast\"," + MSG + "}").fusion().panel()).hasSize(2);
    assertThat(parse("{\"model\":\"openrouter/fusion\"," + MSG + "}").outerModel()).isEqualTo("sim/writer");
    rejected("{\"model\":\"fusion/nope\"," + MSG + "}", "model", "model_not_found");
  }

  @Test
  void presetsAreConfigurable() {
    Presets presets = Presets.fromEnv(Map.of("FUSION_PRESET_FAST_PANEL", "sim/x,sim/y,sim/z",
        "FUSION_PRESET_FAST_JUDGE", "sim/j2"), config);
    assertThat(presets.forModel("fusion/fast").panel()).containsExactly("sim/x", "sim/y", "sim/z");
    assertThat(presets.forModel("fusion/fast").judge()).isEqualTo("sim/j2");
  }

  @Test
  void pluginSettingsOverrideThePreset() {
    ChatCall call = parse("{\"model\":\"fusion\",\"tool_choice\":\"required\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\","
        + "\"analysis_models\":[\"sim/a\",\"sim/b\"],\"model\":\"sim/j\",\"max_tool_calls\":4,"
        + "\"max_completion_tokens\":500,\"reasoning\":{\"effort\":\"high\"},\"temperature\":0.7}]}");
    assertThat(call.fusion().panel()).containsExactly("sim/a", "sim/b");
    assertThat(call.fusion().judge()).isEqualTo("sim/j");
    assertThat(call.fusion().maxToolCalls()).isEqualTo(4);
    assertThat(call.fusion().maxCompletionTokens()).isEqualTo(500);
    assertThat(call.fusion().reasoning().path("effort").asText()).isEqualTo("high");
    assertThat(call.fusion().temperature()).isEqualTo(0.7);
    assertThat(call.toolChoice()).isEqualTo(ToolChoice.REQUIRED);
    assertThat(ChatCompletionRequests.toJob(call, "t").temperature()).isEqualTo(0.7);
  }

  @Test
  void aFusionToolEntryOnAClientModelMakesThatModelTheOuterModel() {
    ChatCall call = parse("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"fusion\","
        + "\"analysis_models\":[\"sim/a\"]},{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}]}");
    assertThat(call.deliberates()).isTrue();
    assertThat(call.outerModel()).isEqualTo("sim/outer");
    assertThat(call.fusion().panel()).containsExactly("sim/a");
    assertThat(call.clientTools()).hasSize(1);
    assertThat(call.clientTools().get(0).path("function").path("name").asText()).isEqualTo("lookup");
  }

  @Test
  void otherModelsArePlainCompletionsWithTheirExtrasPassedThrough() {
    ChatCall call = parse("{\"model\":\"sim/alpha\"," + MSG + ",\"seed\":3,\"plugins\":[{\"id\":\"web\"}]}");
    assertThat(call.deliberates()).isFalse();
    assertThat(call.passthrough().path("seed").asInt()).isEqualTo(3);
    assertThat(call.passthrough().path("plugins").get(0).path("id").asText()).isEqualTo("web");
  }

  @Test
  void rangesAreChecked() {
    String nine = "[\"m1\",\"m2\",\"m3\",\"m4\",\"m5\",\"m6\",\"m7\",\"m8\",\"m9\"]";
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"analysis_models\":" + nine + "}]}",
        "plugins[fusion].analysis_models", "invalid_value");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"analysis_models\":[]}]}",
        "plugins[fusion].analysis_models", "invalid_value");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"max_tool_calls\":17}]}",
        "plugins[fusion].max_tool_calls", "invalid_value");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"max_tool_calls\":0}]}",
        "plugins[fusion].max_tool_calls", "invalid_value");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"tools\":[{\"type\":\"fusion\",\"temperature\":2.5}]}",
        "tools[fusion].temperature", "invalid_value");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"colour\":1}]}",
        "plugins[fusion].colour", "unknown_parameter");
    rejected("{\"model\":\"fusion\",\"messages\":[]}", "messages", "invalid_value");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"tool_choice\":\"sometimes\"}", "tool_choice", "invalid_value");
  }

  @Test
  void toolCallingTurnsMayHaveNoContent() {
    ChatCall call = parse("{\"model\":\"fusion\",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},"
        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\","
        + "\"content\":\"sunny\"}]}");
    assertThat(call.messages()).hasSize(3);
    assertThat(call.messages().get(1).content()).isEmpty();
    assertThat(call.rawMessages().get(1).has("tool_calls")).isTrue();
  }
}
