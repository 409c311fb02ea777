package dev.fusion.ingress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.OuterCall;
import dev.fusion.common.contract.Usage;
import dev.fusion.common.contract.WebToolsMode;
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
    assertThat(ChatCompletionRequests.toJob(call, "t").reasoning()).isEqualTo(Json.tree("{\"effort\":\"high\"}"));
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
  void toolTurnsReachTheJobFlattenedIntoTextAndTheOuterModelGetsThemAsGiven() {
    ChatCall call = parse("{\"model\":\"fusion\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"weather in Paris and Rome?\"},"
        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
        + "{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":{\"city\":\"Rome\"}}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sunny\"},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"c2\",\"content\":[{\"type\":\"text\",\"text\":\"rain\"}]},"
        + "{\"role\":\"assistant\",\"content\":\"Let me check the news too.\",\"tool_calls\":[{\"id\":\"c3\","
        + "\"type\":\"function\",\"function\":{\"name\":\"news\",\"arguments\":\"{}\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"c3\",\"content\":\"\"},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"c9\",\"content\":\"orphan\"},"
        + "{\"role\":\"assistant\",\"content\":\"\"},"
        + "{\"role\":\"user\",\"content\":\"So, umbrella?\"}]}");
    FusionJob job = ChatCompletionRequests.toJob(call, "t");
    assertThat(job.messages()).containsExactly(
        ChatMessage.system("Be brief."),
        ChatMessage.user("weather in Paris and Rome?"),
        ChatMessage.assistant("Called tool weather with arguments {\"city\":\"Paris\"} (tool call c1).\n"
            + "Called tool weather with arguments {\"city\":\"Rome\"} (tool call c2)."),
        ChatMessage.user("Result of tool call c1 (weather): sunny"),
        ChatMessage.user("Result of tool call c2 (weather): rain"),
        ChatMessage.assistant("Let me check the news too.\n\nCalled tool news with arguments {} (tool call c3)."),
        ChatMessage.user("Result of tool call c3 (news): (empty)"),
        ChatMessage.user("Result of tool call c9: orphan"),
        ChatMessage.user("So, umbrella?"));
    // No tool role and no empty assistant turn reach any inner call of the job.
    assertThat(job.messages()).noneMatch(m -> m.role().equals("tool"))
        .noneMatch(m -> m.role().equals("assistant") && m.content().isBlank());
    // The outer model's own calls send the client's conversation untouched.
    assertThat(call.rawMessages()).hasSize(10);
    assertThat(call.rawMessages().get(2).path("tool_calls")).hasSize(2);
    assertThat(call.rawMessages().get(3).path("role").asText()).isEqualTo("tool");
  }

  @Test
  void malformedToolTurnsAreRefusedNamingTheField() {
    rejected("{\"model\":\"fusion\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":{}}]}",
        "messages[0].tool_calls", "invalid_type");
    rejected("{\"model\":\"fusion\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\"}]}]}",
        "messages[0].tool_calls[0].function.name", "invalid_type");
    rejected("{\"model\":\"fusion\",\"messages\":[{\"role\":\"tool\",\"tool_call_id\":5,\"content\":\"x\"}]}",
        "messages[0].tool_call_id", "invalid_type");
    // A conversation of nothing but empty assistant turns has nothing to deliberate on.
    rejected("{\"model\":\"fusion\",\"messages\":[{\"role\":\"assistant\",\"content\":null}]}", "messages",
        "invalid_value");
  }

  // ---- the fusion tool entry's parameters ----

  @Test
  void theToolEntryTakesItsSettingsFromParametersAsTheHostedDocsShow() {
    for (String type : new String[] {"openrouter:fusion", "fusion"}) {
      ChatCall call = parse("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"" + type + "\","
          + "\"parameters\":{\"analysis_models\":[\"sim/a\",\"sim/b\"],\"max_tool_calls\":3,"
          + "\"max_completion_tokens\":400,\"temperature\":0.4,\"reasoning\":{\"effort\":\"low\"}}}]}");
      assertThat(call.deliberates()).isTrue();
      assertThat(call.fusion().panel()).containsExactly("sim/a", "sim/b");
      assertThat(call.fusion().maxToolCalls()).isEqualTo(3);
      assertThat(call.fusion().maxCompletionTokens()).isEqualTo(400);
      assertThat(call.fusion().temperature()).isEqualTo(0.4);
      assertThat(call.fusion().reasoning()).isEqualTo(Json.tree("{\"effort\":\"low\"}"));
      assertThat(call.outerModel()).isEqualTo("sim/outer");
    }
  }

  @Test
  void settingsInParametersAndInlineAtOnceAreRefusedNamingTheInlineField() {
    rejected("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"openrouter:fusion\","
        + "\"analysis_models\":[\"sim/a\"],\"parameters\":{\"max_tool_calls\":3}}]}",
        "tools[fusion].analysis_models", "invalid_value");
    rejected("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"openrouter:fusion\",\"enabled\":true,"
        + "\"parameters\":{\"enabled\":true}}]}", "tools[fusion].parameters.enabled", "invalid_value");
  }

  @Test
  void errorsInParametersNameTheFieldInsideParameters() {
    String entry = "{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"openrouter:fusion\",\"parameters\":";
    rejected(entry + "{\"max_tool_calls\":17}}]}", "tools[fusion].parameters.max_tool_calls", "invalid_value");
    rejected(entry + "{\"temperature\":3}}]}", "tools[fusion].parameters.temperature", "invalid_value");
    rejected(entry + "{\"analysis_models\":[\"sim/a\",\"sim/b\",\"sim/a\"]}}]}",
        "tools[fusion].parameters.analysis_models[2]", "duplicate_model");
    rejected(entry + "{\"reasoning\":{\"effort\":\"max\"}}}]}", "tools[fusion].parameters.reasoning.effort",
        "invalid_value");
    rejected(entry + "{\"colour\":1}}]}", "tools[fusion].parameters.colour", "unknown_parameter");
    rejected(entry + "{\"tools\":[]}}]}", "tools[fusion].parameters.tools", "unsupported_parameter");
    rejected(entry + "{\"enabled\":\"no\"}}]}", "tools[fusion].parameters.enabled", "invalid_type");
    rejected(entry + "[1]}]}", "tools[fusion].parameters", "invalid_type");
    // Next to parameters, an entry field Fusion does not know is still an unknown field.
    rejected("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"openrouter:fusion\",\"colour\":1,"
        + "\"parameters\":{}}]}", "tools[fusion].colour", "unknown_parameter");
  }

  // ---- enabled: false ----

  @Test
  void enabledFalseOnThePluginMakesAPresetAPlainCompletionOfItsSynthesizer() {
    ChatCall call = parse("{\"model\":\"fusion/fast\",\"temperature\":0.2,\"seed\":7," + MSG
        + ",\"plugins\":[{\"id\":\"fusion\",\"enabled\":false,\"analysis_models\":[\"sim/a\"]},{\"id\":\"web\"}]}");
    assertThat(call.deliberates()).isFalse();
    assertThat(call.model()).isEqualTo("sim/writer");
    assertThat(call.temperature()).isEqualTo(0.2);
    assertThat(call.passthrough().path("seed").asInt()).isEqualTo(7);
    // The fusion plugin is Fusion's own; the others go to the provider as for any plain completion.
    assertThat(call.passthrough().path("plugins")).hasSize(1);
    assertThat(call.passthrough().path("plugins").get(0).path("id").asText()).isEqualTo("web");
    // The plugin's synthesizer, when it names one, is the outer model.
    assertThat(parse("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"enabled\":false,"
        + "\"synthesizer\":\"sim/scribe\"}]}").model()).isEqualTo("sim/scribe");
  }

  @Test
  void enabledFalseOnTheToolEntryLeavesTheClientsModelWithItsOwnTools() {
    ChatCall call = parse("{\"model\":\"sim/outer\"," + MSG + ",\"tool_choice\":\"required\",\"tools\":["
        + "{\"type\":\"openrouter:fusion\",\"parameters\":{\"enabled\":false}},"
        + "{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}]}");
    assertThat(call.deliberates()).isFalse();
    assertThat(call.model()).isEqualTo("sim/outer");
    assertThat(call.passthrough().path("tools")).hasSize(1);
    assertThat(call.passthrough().path("tools").get(0).path("function").path("name").asText()).isEqualTo("lookup");
    assertThat(call.passthrough().path("tool_choice").asText()).isEqualTo("required");
    // A choice of the fusion tool, which is not on offer, is not sent; nor is any choice without tools.
    ChatCall fusionChoice = parse("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"fusion\","
        + "\"enabled\":false},{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}],"
        + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"fusion\"}}}");
    assertThat(fusionChoice.passthrough().has("tool_choice")).isFalse();
    ChatCall alone = parse("{\"model\":\"sim/outer\"," + MSG + ",\"tool_choice\":\"required\","
        + "\"tools\":[{\"type\":\"fusion\",\"enabled\":false}]}");
    assertThat(alone.passthrough().has("tool_choice")).isFalse();
    assertThat(alone.passthrough().has("tools")).isFalse();
  }

  @Test
  void enabledMustBeABoolean() {
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"enabled\":\"false\"}]}",
        "plugins[fusion].enabled", "invalid_type");
    rejected("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"fusion\",\"enabled\":0}]}",
        "tools[fusion].enabled", "invalid_type");
  }

  // ---- which settings reach which calls ----

  @Test
  void theJudgeDefaultsToTheClientsOwnModelButPresetsKeepTheirs() {
    ChatCall own = parse("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"openrouter:fusion\"}]}");
    assertThat(own.fusion().judge()).isEqualTo("sim/outer");
    assertThat(own.fusion().synthesizer()).isEqualTo("sim/outer");
    assertThat(own.fusion().panel()).containsExactly("sim/alpha", "sim/beta", "sim/gamma");
    ChatCall named = parse("{\"model\":\"sim/outer\"," + MSG + ",\"tools\":[{\"type\":\"openrouter:fusion\","
        + "\"parameters\":{\"model\":\"sim/arbiter\"}}]}");
    assertThat(named.fusion().judge()).isEqualTo("sim/arbiter");
    assertThat(parse("{\"model\":\"fusion/fast\"," + MSG + ",\"tools\":[{\"type\":\"fusion\"}]}").fusion().judge())
        .isEqualTo("sim/judge");
    // The client's model as judge is checked like any judge.
    rejected("{\"model\":\"nowhere/outer\"," + MSG + ",\"tools\":[{\"type\":\"fusion\"}]}", "model",
        "model_not_found");
  }

  @Test
  void theTopLevelTemperatureAndTokenLimitAreTheOuterModelsAndTheConfigsThePanels() {
    ChatCall call = parse("{\"model\":\"sim/outer\",\"temperature\":0.3,\"max_tokens\":99," + MSG
        + ",\"tools\":[{\"type\":\"openrouter:fusion\",\"parameters\":{\"temperature\":0.9,"
        + "\"max_completion_tokens\":700}},{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}]}");
    FusionJob job = ChatCompletionRequests.toJob(call, "t");
    assertThat(job.temperature()).isEqualTo(0.9);
    assertThat(job.maxCompletionTokens()).isEqualTo(700);
    assertThat(job.outer()).isEqualTo(new OuterCall(0.3, 99,
        Json.tree("[{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}]"), null, null));
    // Without settings of its own the deliberation takes nothing from the top level.
    FusionJob plain = ChatCompletionRequests.toJob(parse("{\"model\":\"fusion\",\"temperature\":0.3,"
        + "\"max_completion_tokens\":50,\"max_tokens\":99," + MSG + "}"), "t");
    assertThat(plain.temperature()).isNull();
    assertThat(plain.maxCompletionTokens()).isNull();
    assertThat(plain.outer()).isEqualTo(new OuterCall(0.3, 50, null, null, null));
  }

  @Test
  void theRoutingCallsModelAndUsageGoWithTheJob() {
    ChatCall call = parse("{\"model\":\"fusion\"," + MSG + ",\"temperature\":0.1}");
    Usage routing = new Usage(40, 3, 0, 0.0001);
    FusionJob job = ChatCompletionRequests.toJob(call, "t", "sim/writer", routing);
    assertThat(job.outer()).isEqualTo(new OuterCall(0.1, null, null, "sim/writer", routing));
    assertThat(ChatCompletionRequests.toJob(call, "t").outer().routerUsage()).isNull();
  }

  @Test
  void aChatCompletionAnswersOnFailureUnlessTheConfigSaysError() {
    assertThat(ChatCompletionRequests.toJob(parse("{\"model\":\"fusion\"," + MSG + "}"), "t").onFailure())
        .isEqualTo(FusionJob.ON_FAILURE_ANSWER);
    assertThat(ChatCompletionRequests.toJob(parse("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\","
        + "\"on_failure\":\"error\"}]}"), "t").onFailure()).isEqualTo(FusionJob.ON_FAILURE_ERROR);
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"on_failure\":\"shrug\"}]}",
        "plugins[fusion].on_failure", "invalid_value");
  }

  // ---- the client's web plugin and other plugins ----

  @Test
  void aWebPluginTurnedOffTurnsTheDeliberationsWebToolsOff() {
    ChatCall off = parse("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"web\",\"enabled\":false}]}");
    assertThat(ChatCompletionRequests.toJob(off, "t").webTools()).isEqualTo(WebToolsMode.OFF);
    // On (or just named) is what a deliberation does anyway: the providers' configured mode stays.
    ChatCall on = parse("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"web\",\"enabled\":true},"
        + "{\"id\":\"fusion\",\"web_tools\":\"provider\"}]}");
    assertThat(ChatCompletionRequests.toJob(on, "t").webTools()).isEqualTo(WebToolsMode.PROVIDER);
    assertThat(ChatCompletionRequests.toJob(parse("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"web\"}]}"),
        "t").webTools()).isNull();
  }

  @Test
  void whatAWebPluginCannotSayOnADeliberationIsRefusedNotDropped() {
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"web\",\"max_results\":3}]}",
        "plugins[web].max_results", "unsupported_parameter");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"web\",\"enabled\":\"yes\"}]}",
        "plugins[web].enabled", "invalid_type");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"web\",\"enabled\":false},"
        + "{\"id\":\"fusion\",\"web_tools\":\"fusion\"}]}", "plugins[web].enabled", "invalid_value");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"web\"},"
        + "{\"id\":\"fusion\",\"web_tools\":\"off\"}]}", "plugins[web]", "invalid_value");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"response-healing\"}]}",
        "plugins[response-healing]", "unsupported_parameter");
    rejected("{\"model\":\"fusion\"," + MSG + ",\"plugins\":[{\"id\":\"fusion\",\"tools\":"
        + "[{\"type\":\"openrouter:web_search\"}]}]}", "plugins[fusion].tools", "unsupported_parameter");
  }
}
