package dev.fusion.faults;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Records no stage can process, written straight to a Fusion topic; each remembers where it landed. */
final class Poison {
  private Poison() {}

  /** One written poison record: its kind and its position ("topic-partition@offset", as rejections name it). */
  record Written(String topic, String kind, String source) {}

  /** The kinds: garbage, wrong shape, missing fields, ~900 KB, null key, deep nesting. */
  static Map<String, byte[]> kinds() {
    return Map.of(
        "garbage", new byte[] {(byte) 0xDE, (byte) 0xAD, 0x00, (byte) 0xBE, (byte) 0xEF, '{', '"'},
        "wrong-shape", "{\"x\":1}".getBytes(StandardCharsets.UTF_8),
        "missing-fields", "{\"schema_version\":1,\"job_id\":\"job_poison\"}".getBytes(StandardCharsets.UTF_8),
        "oversized", ("{\"x\":\"" + "p".repeat(900 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8),
        "deep-nesting", ("[".repeat(20_000) + "]".repeat(20_000)).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes every kind to every topic (a null-key garbage record too, except on compacted topics, which
   * refuse keyless records at the broker). Returns what was written.
   */
  static List<Written> writeEverywhere(Pipeline pipeline, List<String> compacted) throws Exception {
    List<Written> written = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrap(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      int n = 0;
      for (String name : Pipeline.TOPICS) {
        String topic = pipeline.topic(name);
        for (var kind : kinds().entrySet()) {
          byte[] key = ("job_poison" + n++).getBytes(StandardCharsets.UTF_8);
          written.add(send(producer, topic, kind.getKey(), key, kind.getValue()));
        }
        if (!compacted.contains(name)) {
          written.add(send(producer, topic, "null-key", null, kinds().get("garbage")));
        }
      }
    }
    return written;
  }

  static Written send(KafkaProducer<byte[], byte[]> producer, String topic, String kind, byte[] key, byte[] value)
      throws Exception {
    RecordMetadata meta = producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    return new Written(topic, kind, topic + "-" + meta.partition() + "@" + meta.offset());
  }
}
