package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1.1 pool toward a provider is split into small shards (Vert.x scans a pool's connections on
 * every call), and the shards together hold exactly the configured number of connections.
 */
class GatewayConnectionPoolTest extends SimulatorGatewayTestBase {

  @Test
  void theShardsAddUpToTheConfiguredPoolAndNoneIsLargerThanAShard() {
    for (int pool : new int[] {1, 31, 32, 33, 70, 512, 4_096, 4_097}) {
      int[] sizes = HttpTransport.shardSizes(pool);
      assertThat(Arrays.stream(sizes).sum()).as("pool %d", pool).isEqualTo(pool);
      assertThat(Arrays.stream(sizes).min().orElseThrow()).as("pool %d", pool).isPositive();
      assertThat(Arrays.stream(sizes).max().orElseThrow()).as("pool %d", pool)
          .isLessThanOrEqualTo(HttpTransport.HTTP1_SHARD_CONNECTIONS);
    }
  }

  @Test
  void aShardedPoolCarriesAsManyCallsAtOnceAsItsConfiguredSizeAndNoMore() throws Exception {
    // Given a gateway with 70 HTTP/1.1 connections (three shards) toward a simulator answering in 1 s
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()).withConnectionPoolSize(70));
    // When 100 calls are made at once
    List<Future<ChatResult>> calls = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      calls.add(gateway.chat(ask("sim/pool;latency_ms=1000")));
    }
    // Then every call answers, and the simulator saw exactly the pool's 70 at the same moment
    for (Future<ChatResult> call : calls) {
      assertThat(await(call).content()).isNotBlank();
    }
    assertThat(simulator.maxConcurrentCalls()).isEqualTo(70);
    assertThat(simCalls("sim/pool")).isEqualTo(100);
  }
}
