package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.config.Provider;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Readiness's view of the providers: reachable only while a probe connects to one of them. */
class ProviderReachabilityTest {
  private Vertx vertx;

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private static Provider at(String name, int port) {
    return new Provider(name, "http://127.0.0.1:" + port + "/v1", null, null, List.of(name + "/"), false, 0, null,
        false, Map.of(), false);
  }

  /** A port nothing listens on: bound once, then released. */
  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void onlyDeadProvidersAreNotReachableAndOneLiveProviderIsEnough() throws Exception {
    try (ServerSocket live = new ServerSocket(0)) {
      int dead = closedPort();
      try (ProviderReachability none = new ProviderReachability(vertx, List.of(at("a", dead))).start();
          ProviderReachability one = new ProviderReachability(vertx,
              List.of(at("a", dead), at("b", live.getLocalPort()))).start()) {
        await().atMost(Duration.ofSeconds(10)).until(one::anyReachable);
        // The dead provider's probe has had the same time to fail as the live one's to connect.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !none.anyReachable());
      }
    }
  }
}
