package dev.fusion.management;

import java.time.Duration;
import java.util.Map;

/**
 * The management endpoint's port and the bound on a graceful shutdown, from the environment (a JVM system
 * property of the same name wins, as for the other process-wide settings).
 *
 * @param port {@value #PORT_VAR}: where {@code /health/live}, {@code /health/ready} and {@code /metrics} are
 *     served (default {@value #DEFAULT_PORT}; 0 picks a free port)
 * @param portSet whether the port was configured: a configured port that cannot be bound fails the start;
 *     the default one, taken by another Fusion process on the same host, gives way to a free port (logged)
 * @param shutdownTimeout {@value #SHUTDOWN_TIMEOUT_VAR}: how long a process may take from SIGTERM to exit
 *     (default 30 s); half of it is what a stage waits for its in-flight work (see {@link #drainTimeout})
 */
public record ManagementSettings(int port, boolean portSet, Duration shutdownTimeout) {
  public static final String PORT_VAR = "FUSION_MANAGEMENT_PORT";
  public static final String SHUTDOWN_TIMEOUT_VAR = "FUSION_SHUTDOWN_TIMEOUT_MS";
  public static final int DEFAULT_PORT = 8081;
  public static final long DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

  public ManagementSettings(int port, Duration shutdownTimeout) {
    this(port, true, shutdownTimeout);
  }

  public ManagementSettings {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(PORT_VAR + " must be a port between 0 and 65535, got " + port);
    }
    if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
      throw new IllegalArgumentException(SHUTDOWN_TIMEOUT_VAR + " must be positive, got " + shutdownTimeout.toMillis());
    }
  }

  /** From the process environment and system properties. */
  public static ManagementSettings fromEnv() {
    return fromEnv(System.getenv());
  }

  public static ManagementSettings fromEnv(Map<String, String> env) {
    long port = number(env, PORT_VAR, -1);
    return new ManagementSettings(port < 0 ? DEFAULT_PORT : (int) Math.min(port, Integer.MAX_VALUE), port >= 0,
        Duration.ofMillis(number(env, SHUTDOWN_TIMEOUT_VAR, DEFAULT_SHUTDOWN_TIMEOUT_MS)));
  }

  /**
   * The process's shutdown bound without a settings object at hand (the consumer loops' default drain
   * time is derived from it).
   */
  public static Duration shutdownTimeoutFromEnv() {
    return Duration.ofMillis(number(System.getenv(), SHUTDOWN_TIMEOUT_VAR, DEFAULT_SHUTDOWN_TIMEOUT_MS));
  }

  /**
   * How long a stage waits for its in-flight work on a graceful stop: half the shutdown bound, so that
   * committing, leaving the group and closing the clients still fit in the other half.
   */
  public Duration drainTimeout() {
    return drainTimeout(shutdownTimeout);
  }

  public static Duration drainTimeout(Duration shutdownTimeout) {
    return shutdownTimeout.dividedBy(2);
  }

  private static long number(Map<String, String> env, String name, long fallback) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      v = env.get(name);
    }
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got '" + v.trim() + "'");
    }
  }
}
