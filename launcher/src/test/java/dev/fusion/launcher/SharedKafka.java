package dev.fusion.launcher;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * One embedded broker for every test of this JVM that leaves its broker running and unchanged: started on
 * first use, stopped when the JVM exits. A start-up per test class cost seconds of every build. Tests
 * keep apart by topic prefix (each pipeline has its own); a class deletes its topics when it is done, so
 * the broker does not collect the partitions of the whole suite. A test that stops, restarts or
 * reconfigures a broker starts its own {@link EmbeddedKafka}.
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

  /** Deletes every topic whose name starts with one of {@code prefixes} (Streams' internal topics too). */
  static void deleteTopicsUnder(Collection<String> prefixes) {
    if (prefixes.isEmpty()) {
      return;
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker().bootstrapServers()))) {
      List<String> doomed = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(name -> !name.startsWith("__"))
          .filter(name -> prefixes.stream().anyMatch(prefix -> !prefix.isEmpty() && name.startsWith(prefix)))
          .toList();
      if (!doomed.isEmpty()) {
        admin.deleteTopics(doomed).all().get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      // Only housekeeping: the next class works on its own prefixes either way.
      System.err.println("SharedKafka: could not delete the topics under " + prefixes + ": " + e);
    }
  }
}
