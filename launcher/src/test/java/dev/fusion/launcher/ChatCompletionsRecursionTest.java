package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A panel model that is Fusion itself: the gateway's inner call carries {@code x-fusion-depth: 1}, so
 * the nested request is answered directly by the outer model and no second panel starts.
 */
class ChatCompletionsRecursionTest {

  @Test
  void aPanelModelThatCallsBackIntoFusionDoesNotRecurse() throws Exception {
    try (PipelineHarness harness = new PipelineHarness()) {
      int port;
      try (ServerSocket probe = new ServerSocket(0)) {
        port = probe.getLocalPort();
      }
      // local/<model> goes to this very Fusion instance, with the prefix stripped: local/fusion -> fusion.
      var config = harness.config(Map.of("FUSION_LOCAL_BASE_URL", "http://127.0.0.1:" + port + "/v1"));
      try (FusionStack stack = new FusionStack(config, harness.vertx, port).start()) {
        harness.simulator.resetCounts();
        ObjectNode body = Json.object().put("model", "fusion").put("tool_choice", "required");
        body.putArray("messages").addObject().put("role", "user").put("content", "Compare tea and coffee.");
        body.putArray("plugins").addObject().put("id", "fusion").putArray("analysis_models")
            .add("local/fusion").add("sim/alpha");

        HttpResponse<String> response = harness.post(stack, "/v1/chat/completions", Json.toString(body));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode fusion = Json.tree(response.body()).path("fusion");
        assertThat(fusion.path("status").asText()).isEqualTo("completed");
        assertThat(fusion.path("failed_models")).isEmpty();
        assertThat(fusion.path("responses")).hasSize(2);
        // One panel (sim/alpha once), one judge call; the nested call was one direct sim/writer answer
        // plus the real synthesis: no second deliberation anywhere.
        assertThat(harness.simulator.callCounts()).containsOnly(Map.entry("sim/alpha", 1L),
            Map.entry("sim/judge", 1L), Map.entry("sim/writer", 2L));
      }
    }
  }
}
