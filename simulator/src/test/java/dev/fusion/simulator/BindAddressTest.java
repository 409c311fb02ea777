package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator listens on {@code SIM_HOST} only, not on every interface. */
class BindAddressTest {
  private Vertx vertx;
  private ModelSimulator sim;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
    vertx.close().await();
  }

  @Test
  void itListensOnTheConfiguredAddressAndNoOther() throws Exception {
    // 127.0.0.2 is a second loopback address on Linux: bound there, 127.0.0.1 must find nothing.
    assumeTrue(canBind("127.0.0.2"), "127.0.0.2 is not a local address here");
    sim = new ModelSimulator(vertx, SimulatorConfig.fromEnv(Map.of("SIM_HOST", "127.0.0.2")));
    int port = sim.start(0).await();

    assertThat(sim.baseUrl()).isEqualTo("http://127.0.0.2:" + port + "/v1");
    assertThat(connects("127.0.0.2", port)).isTrue();
    assertThatThrownBy(() -> connects("127.0.0.1", port)).isInstanceOf(ConnectException.class);
  }

  @Test
  void byDefaultItIsNotReachableOnAnExternalInterface() throws Exception {
    Optional<InetAddress> external = externalAddress();
    assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address");
    sim = new ModelSimulator(vertx, SimulatorConfig.defaults());
    int port = sim.start(0).await();

    assertThat(connects("127.0.0.1", port)).isTrue();
    assertThatThrownBy(() -> connects(external.get().getHostAddress(), port)).isInstanceOf(ConnectException.class);
  }

  /** Connects and exchanges one request, so the server has handled the connection before it is closed. */
  private static boolean connects(String host, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 5_000);
      socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      return response.startsWith("HTTP/1.1 ");
    }
  }

  private static boolean canBind(String host) {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Optional<InetAddress> externalAddress() throws SocketException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return Optional.of(a);
        }
      }
    }
    return Optional.empty();
  }
}
