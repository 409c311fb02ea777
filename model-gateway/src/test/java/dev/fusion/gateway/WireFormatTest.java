package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request body the gateway sends, built without any I/O; the reading side is in CompletionParsingTest. */
class WireFormatTest {
  private static Provider provider(boolean stripPrefix, boolean usageAccounting) {
    return new Provider("p", "http://127.0.0.1:1/v1", null, null, List.of("local/"), stripPrefix, 0, null,
        usageAccounting, Map.of());
  }

  private static ChatRequest ask(ObjectNode extra) {
    return new ChatRequest("local/llama", List.of(ChatMessage.system("be brief"), ChatMessage.user("hi")), 0.5, 64,
        null, extra);
  }

  @Test
  void aPlainCallSendsTheWireModelMessagesAndSettings() {
    ObjectNode body = WireFormat.requestBody(provider(true, false), "local/llama", ask(null), false);

    assertThat(body.toString()).isEqualTo("{\"model\":\"llama\",\"messages\":[{\"role\":\"system\","
        + "\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.5,"
        + "\"max_completion_tokens\":64}");
  }

  @Test
  void providerSpecificFieldsPassThroughButOursWinAndTheRequestIsNotChanged() {
    ObjectNode extra = Json.object().put("model", "theirs").put("stream", false);
    extra.putObject("provider").put("sort", "price");

    ObjectNode body = WireFormat.requestBody(provider(false, false), "local/llama", ask(extra), true);

    assertThat(body.get("model").asText()).isEqualTo("local/llama");
    assertThat(body.get("provider").get("sort").asText()).isEqualTo("price");
    assertThat(body.get("stream").asBoolean()).isTrue();
    assertThat(body.get("stream_options").get("include_usage").asBoolean()).isTrue();
    assertThat(extra.get("model").asText()).isEqualTo("theirs");
    assertThat(extra.has("messages")).isFalse();
  }

  @Test
  void usageAccountingIsAskedForUnlessTheCallerSetUsageItself() {
    assertThat(WireFormat.requestBody(provider(true, true), "local/llama", ask(null), false).get("usage").toString())
        .isEqualTo("{\"include\":true}");
    ObjectNode own = Json.object();
    own.putObject("usage").put("include", false);
    assertThat(WireFormat.requestBody(provider(true, true), "local/llama", ask(own), false).get("usage").toString())
        .isEqualTo("{\"include\":false}");
    assertThat(WireFormat.requestBody(provider(true, false), "local/llama", ask(null), false).has("usage")).isFalse();
  }

  @Test
  void wireMessagesAreSentAsGiven() {
    ArrayNode raw = Json.MAPPER.createArrayNode();
    raw.addObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "42");

    ObjectNode body = WireFormat.requestBody(provider(true, false), "local/llama", ask(null).withWireMessages(raw),
        false);

    assertThat(body.get("messages")).isEqualTo(raw);
    // Shared, not copied (the body is serialized at once): building it leaves the request's messages as they were.
    assertThat(raw.toString()).isEqualTo("[{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"42\"}]");
  }

  @Test
  void anErrorBodyGivesItsMessageAndAnythingElseNothing() {
    assertThat(WireFormat.errorMessage("{\"error\":{\"message\":\"slow down\"}}".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("slow down");
    assertThat(WireFormat.errorMessage("<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(WireFormat.errorMessage("{\"detail\":\"x\"}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(WireFormat.errorMessage(null)).isEmpty();
  }
}
