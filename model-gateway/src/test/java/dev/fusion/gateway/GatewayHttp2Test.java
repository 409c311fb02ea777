package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.Provider;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A provider marked http2 is spoken to over multiplexed HTTP/2 (h2c here), streaming or not. */
class GatewayHttp2Test extends SimulatorGatewayTestBase {

  private static Provider http2Sim() {
    Provider p = simProvider(0, null);
    return new Provider(p.name(), p.baseUrl(), null, null, p.prefixes(), false, 0, null, false, Map.of(), true);
  }

  @Test
  void manyCallsInFlightShareAFewHttp2Connections() throws Exception {
    // Given a gateway whose HTTP/1.1 pool would allow only one connection, and a provider marked http2
    ModelGateway gateway = gateway(config(http2Sim(), Map.of()).withConnectionPoolSize(1));
    // When 200 slow calls and a streamed one are in flight together
    List<Future<ChatResult>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(gateway.chat(ask("sim/h2;latency_ms=300")));
    }
    StringBuilder streamed = new StringBuilder();
    Future<ChatResult> stream = gateway.chatStream(ask("sim/h2s"), streamed::append);
    // Then every call answers, the stream's deltas add up to its answer, and the simulator saw HTTP/2 only
    for (Future<ChatResult> call : calls) {
      assertThat(await(call).content()).isNotBlank();
    }
    ChatResult s = await(stream);
    assertThat(streamed.toString()).isEqualTo(s.content()).isNotBlank();
    assertThat(simulator.protocolCounts()).containsEntry("HTTP_2", 201L).doesNotContainKey("HTTP_1_1");
  }

  @Test
  void aProviderWithoutHttp2StaysOnHttp11() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    assertThat(await(gateway.chat(ask("sim/h1"))).content()).isNotBlank();
    assertThat(simulator.protocolCounts()).containsEntry("HTTP_1_1", 1L).doesNotContainKey("HTTP_2");
  }
}
