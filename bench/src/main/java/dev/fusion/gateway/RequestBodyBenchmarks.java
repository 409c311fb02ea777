package dev.fusion.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.bench.MicroBenchmark;
import dev.fusion.common.Json;
import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.ChatMessage;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * The bytes of one model call's request as the gateway writes them for a panel call of the tool loop:
 * the two web tools offered (definitions of the size Fusion's are), {@code tool_choice}, a system and a
 * user message. In the gateway's package because the wire format is not public API.
 */
public class RequestBodyBenchmarks extends MicroBenchmark {
  private final Provider provider = new Provider("simulator", "http://127.0.0.1:1/v1", null, null, List.of("sim/"),
      true, 0, null, false, Map.of());
  private final ChatRequest toolLoopCall = toolLoopCall();

  private static ChatRequest toolLoopCall() {
    ObjectNode extra = Json.object();
    ArrayNode tools = extra.putArray("tools");
    for (String name : List.of("web_search", "web_fetch")) {
      ObjectNode function = tools.addObject().put("type", "function").putObject("function");
      function.put("name", name).put("description", "x".repeat(160));
      ObjectNode parameters = function.putObject("parameters").put("type", "object");
      ObjectNode properties = parameters.putObject("properties");
      properties.putObject("first").put("type", "string").put("maxLength", 400).put("description", "y".repeat(70));
      properties.putObject("second").put("type", "integer").put("minimum", 1).put("maximum", 10)
          .put("description", "z".repeat(50));
      parameters.putArray("required").add("first");
      parameters.put("additionalProperties", false);
    }
    extra.put("tool_choice", "auto");
    ArrayNode messages = Json.MAPPER.createArrayNode();
    for (ChatMessage m : List.of(ChatMessage.system("s".repeat(300)), ChatMessage.user("u".repeat(500)))) {
      messages.addObject().put("role", m.role()).put("content", m.content());
    }
    return new ChatRequest("sim/model-a", List.of(), 0.7, 1024, null, extra, messages);
  }

  @Benchmark
  public byte[] toolLoopCallBody() {
    return Json.toBytes(WireFormat.requestBody(provider, "sim/model-a", toolLoopCall, false));
  }
}
