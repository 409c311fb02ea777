package dev.fusion.gateway;

import dev.fusion.common.config.Provider;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the gateway can reach any of its providers, for readiness: every few seconds a TCP connection to
 * each provider's host and port (no request, no key, no cost). Unknown until the first probe answers.
 */
final class ProviderReachability implements AutoCloseable {
  private static final long EVERY_MS = 10_000;
  private static final int CONNECT_TIMEOUT_MS = 3_000;

  private final Vertx vertx;
  private final List<Provider> providers;
  private final NetClient client;
  private final Map<String, Boolean> reachable = new ConcurrentHashMap<>();
  private volatile boolean anyReachable;
  private long timer = -1;

  ProviderReachability(Vertx vertx, List<Provider> providers) {
    this.vertx = vertx;
    this.providers = providers;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS));
  }

  ProviderReachability start() {
    probe();
    timer = vertx.setPeriodic(EVERY_MS, t -> probe());
    return this;
  }

  /** True once a probe connected to at least one provider, until a later probe of each fails. */
  boolean anyReachable() {
    return anyReachable;
  }

  private void probe() {
    for (Provider p : providers) {
      URI uri;
      try {
        uri = URI.create(p.baseUrl());
      } catch (IllegalArgumentException e) {
        set(p.name(), false);
        continue;
      }
      String host = uri.getHost();
      int port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
      if (host == null) {
        set(p.name(), false);
        continue;
      }
      client.connect(port, host).onComplete(ar -> {
        if (ar.succeeded()) {
          ar.result().close();
        }
        set(p.name(), ar.succeeded());
      });
    }
  }

  private void set(String provider, boolean ok) {
    reachable.put(provider, ok);
    anyReachable = reachable.containsValue(true);
  }

  @Override
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    client.close();
  }
}
