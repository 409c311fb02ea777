package dev.fusion.common.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What tests of the consumer loops and stages do with a real broker, whichever runs it (common's
 * {@link InJvmKafka}, the launcher's embedded broker): a fresh topic prefix per test, raw writes (poison
 * is bytes) and reads of a whole topic. Shared through common's test jar.
 */
public abstract class KafkaTestTopics implements AutoCloseable {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private KafkaProducer<byte[], byte[]> producer;

  /** The broker's bootstrap servers. */
  public abstract String bootstrap();

  /** Every pipeline topic under a fresh prefix, with {@code partitions} partitions each. */
  public Topics newTopics(int partitions) {
    return topics(newPrefix(), partitions);
  }

  /** A topic prefix no other test of this JVM used. */
  public String newPrefix() {
    return "p" + SEQ.incrementAndGet() + ".";
  }

  /** Every pipeline topic under {@code prefix}, created if missing. */
  public Topics topics(String prefix, int partitions) {
    Topics topics = new Topics(prefix);
    TopicAdmin.ensureTopics(bootstrap(), topics, partitions, (short) 1);
    return topics;
  }

  /** Writes one record and waits for the acknowledgement. */
  public synchronized void send(String topic, String key, byte[] value) throws Exception {
    if (producer == null) {
      producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrap(), "test-topics"));
    }
    producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value))
        .get(30, TimeUnit.SECONDS);
  }

  public void send(String topic, String key, String value) throws Exception {
    send(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  /** Everything on the topic now, every partition, in offset order per partition. */
  public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    return readAll(bootstrap(), topic);
  }

  /** Every record on {@code topic} up to its end offsets when called (waits at most 30 s for them). */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(KafkaConfigs.consumer(bootstrap, null, "test-topics-reader"))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
      });
      return out;
    }
  }

  /** The values of {@code topic} under {@code key}, as the topic's serde reads them. */
  public <V> List<V> valuesOf(TopicSpec<String, V> topic, String key) {
    return readAll(topic.name()).stream()
        .filter(r -> r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8)))
        .map(r -> topic.valueSerde().deserializer().deserialize(topic.name(), r.value())).toList();
  }

  public static String header(ConsumerRecord<?, ?> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** Closes the writer; subclasses close their broker after this. */
  @Override
  public synchronized void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
