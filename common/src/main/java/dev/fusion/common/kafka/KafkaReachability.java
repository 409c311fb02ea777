package dev.fusion.common.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this process can reach the Kafka cluster, probed every {@link #INTERVAL} on a thread of its own
 * (asking for the cluster's brokers, answered by any one of them), so readiness can report an outage, and
 * the reason, without anyone blocking on it. One broker of several being down is not an outage.
 */
public final class KafkaReachability implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaReachability.class);
  static final Duration INTERVAL = Duration.ofSeconds(2);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

  /** The latest probe's outcome; {@code reason} says what failed when Kafka is not reachable. */
  public record Status(boolean reachable, String reason, long sinceMs) {}

  private final Admin admin;
  private final ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "kafka-reachability");
    t.setDaemon(true);
    return t;
  });
  private volatile Status status = new Status(false, "not probed yet", System.currentTimeMillis());
  private volatile boolean probed;

  public KafkaReachability(String bootstrapServers) {
    int timeoutMs = (int) PROBE_TIMEOUT.toMillis();
    this.admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.CLIENT_ID_CONFIG, "fusion-reachability",
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs));
  }

  /** Probes every {@link #INTERVAL} from now on, in the background. */
  public KafkaReachability start() {
    probes.scheduleWithFixedDelay(this::probeNow, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  public Status status() {
    return status;
  }

  /** Reachable by the latest probe; false before the first. */
  public boolean isReachable() {
    return status.reachable();
  }

  /** Unreachable by a probe (not merely not probed yet): what lets a submission fail at once. */
  public boolean isKnownUnreachable() {
    return !status.reachable() && probed;
  }

  /** Probes now; the caller waits at most the probe timeout (never call it on an event loop). */
  public void probeNow() {
    Status next;
    try {
      var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_TIMEOUT.toMillis()))
          .nodes().get(PROBE_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      next = nodes.isEmpty() ? new Status(false, "the cluster reports no brokers", now()) : new Status(true, null, now());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      next = new Status(false, "Kafka probe failed: " + cause.getClass().getSimpleName()
          + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), now());
    }
    Status previous = status;
    boolean first = !probed;
    probed = true;
    if (first || previous.reachable() != next.reachable()) {
      if (next.reachable()) {
        LOG.info("Kafka is reachable");
      } else {
        LOG.warn("Kafka is unreachable: {}", next.reason());
      }
      status = next;
    } else if (!next.reachable()) {
      status = new Status(false, next.reason(), previous.sinceMs()); // Still down: keep when it started.
    }
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  @Override
  public void close() {
    probes.shutdownNow();
    admin.close(Duration.ofSeconds(2));
  }
}
