package dev.fusion.judge;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Kafka Streams' clients, with a main consumer whose poll is short only while records flow.
 *
 * <p>The stream thread punctuates and commits (under exactly-once: publishes) only between polls, and a
 * poll with nothing to read waits out {@code poll.ms}. A short {@code poll.ms} keeps a finished panel from
 * waiting for the next commit, but an idle judge then loops two hundred times a second; Streams cannot
 * change {@code poll.ms} while it runs. So {@code poll.ms} is set to the idle wait, and this consumer
 * shortens it to {@link #BUSY_POLL} while records arrived within {@link #ACTIVE_WINDOW}: under load the
 * thread loops as it would with {@code poll.ms} = {@link #BUSY_POLL}; idle for longer than the window, a
 * poll waits up to {@code poll.ms}, and a record arriving ends it at once, as always.
 */
final class IdleBackOffClients implements KafkaClientSupplier {
  /** The poll while records flow (what {@code poll.ms} was before): the commit interval's granularity. */
  static final Duration BUSY_POLL = Duration.ofMillis(5);
  /** How long after the last record the thread keeps polling briefly (the commits that follow it). */
  static final Duration ACTIVE_WINDOW = Duration.ofSeconds(1);

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return Admin.create(config);
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
    return new MainConsumer(config);
  }

  @Override
  public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * The poll timeout for a poll asked for {@code requested}: at most {@link #BUSY_POLL} while the last
   * records came less than {@link #ACTIVE_WINDOW} ago, else as asked.
   */
  static Duration pollTimeout(Duration requested, long nanosSinceRecords) {
    boolean active = nanosSinceRecords < ACTIVE_WINDOW.toNanos();
    return active && requested.compareTo(BUSY_POLL) > 0 ? BUSY_POLL : requested;
  }

  /** Used by the stream thread only (a consumer is single-threaded). */
  private static final class MainConsumer extends KafkaConsumer<byte[], byte[]> {
    /** When the last records came; the start counts as activity (assignment, restoration, first fetches). */
    private long lastRecordsNanos = System.nanoTime();

    MainConsumer(Map<String, Object> config) {
      super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
      ConsumerRecords<byte[], byte[]> records = super.poll(pollTimeout(timeout, System.nanoTime() - lastRecordsNanos));
      if (!records.isEmpty()) {
        lastRecordsNanos = System.nanoTime();
      }
      return records;
    }
  }
}
