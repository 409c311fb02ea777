package dev.fusion.common;

/** The lifecycle every Fusion stage shares, so a launcher can run one or all of them in a process. */
public interface Service extends AutoCloseable {
  /**
   * Starts the service and returns once it is ready to work: its consumers have their first partition
   * assignment, its readers have caught up, its Streams app is RUNNING with its stores restored. Throws,
   * leaving nothing running, when it cannot get there within its bound ({@code FUSION_START_TIMEOUT_MS})
   * or fails first (e.g. not authorized): the reason is in the exception.
   */
  void start() throws Exception;

  /** Stops the service, finishing or abandoning in-flight work so that a replay picks it up. */
  void stop();

  /**
   * True once started and while every loop of the service works; false once one stopped on a fatal
   * failure (which it logged once) and while one is recovering (a consumer reopening, Streams
   * rebalancing). Backs {@code GET /health}.
   */
  boolean isReady();

  String name();

  @Override
  default void close() {
    stop();
  }
}
