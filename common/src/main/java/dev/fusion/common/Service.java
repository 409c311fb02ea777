package dev.fusion.common;

/** The lifecycle every Fusion stage shares, so a launcher can run one or all of them in a process. */
public interface Service extends AutoCloseable {
  /** Starts the service; returns once it is ready to work. */
  void start() throws Exception;

  /** Stops the service, finishing or abandoning in-flight work so that a replay picks it up. */
  void stop();

  /** True once started and still healthy; backs {@code GET /health}. */
  boolean isReady();

  String name();

  @Override
  default void close() {
    stop();
  }
}
