package dev.fusion.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FusionVertxTest {
  @Test
  void onLinuxTheNativeEpollTransportIsInUse() {
    assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"), "Linux only");
    assumeTrue(Set.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch")), "x86_64 or aarch64 only");

    Vertx vertx = FusionVertx.create();
    try {
      assertThat(vertx.isNativeTransportEnabled())
          .as("native transport (cause: %s)", vertx.unavailableNativeTransportCause())
          .isTrue();
    } finally {
      vertx.close().await();
    }
  }
}
