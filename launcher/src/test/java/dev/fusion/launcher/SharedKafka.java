package dev.fusion.launcher;

/**
 * One embedded broker for every test of this JVM that leaves its broker running and unchanged: started on
 * first use, stopped when the JVM exits. A start-up per test class cost seconds of every build. Tests
 * keep apart by topic prefix (each pipeline has its own). Topics are not deleted when a class is done:
 * a stage stopped late would fail on the vanished topics. A test that stops, restarts or reconfigures a
 * broker starts its own {@link EmbeddedKafka}.
 */
final class SharedKafka {
  private static EmbeddedKafka broker;

  private SharedKafka() {}

  static synchronized EmbeddedKafka broker() {
    if (broker == null) {
      EmbeddedKafka started = EmbeddedKafka.temporary().start();
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-kafka-stop"));
      broker = started;
    }
    return broker;
  }
}
