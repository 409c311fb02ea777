package dev.fusion.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the pipeline wrote, read independently of it: every record on the results, reply and rejections
 * topics from the beginning, with the time it was seen. The suite's assertions are all made against this.
 */
final class Ledger implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String REASON_HEADER = "fusion.rejection.reason";
  static final String SOURCE_HEADER = "fusion.rejection.source";

  record Rejection(String source, String reason, int valueBytes) {}

  /** Result records per job ID (a job with two is a duplicate record), each with its arrival time. */
  final Map<String, List<Long>> resultsByJob = new ConcurrentHashMap<>();
  final Map<String, String> statusByJob = new ConcurrentHashMap<>();
  final Map<String, String> jobByCorrelation = new ConcurrentHashMap<>();
  final Map<String, Integer> repliesByCorrelation = new ConcurrentHashMap<>();
  final List<Rejection> rejections = new CopyOnWriteArrayList<>();
  /** Arrival times of first result records, in order: completions over time. */
  final List<Long> completions = new CopyOnWriteArrayList<>();

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String results;
  private final String replies;
  private final String rejected;
  private final Thread thread;
  private volatile boolean running = true;

  Ledger(Pipeline pipeline) {
    results = pipeline.topic("fusion.results");
    replies = pipeline.replyTopic();
    rejected = pipeline.topic("fusion.rejections");
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrap());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    consumer = new KafkaConsumer<>(p);
    Waits.until("the pipeline's topics exist", Duration.ofSeconds(60), () -> {
      var names = pipeline.admin().listTopics().names().get();
      return names.contains(results) && names.contains(replies) && names.contains(rejected);
    });
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(results, replies, rejected)) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(this::run, "ledger");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long now = System.currentTimeMillis();
          if (r.topic().equals(results)) {
            onResult(r, now);
          } else if (r.topic().equals(replies)) {
            String correlation = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            repliesByCorrelation.merge(correlation, 1, Integer::sum);
          } else {
            rejections.add(new Rejection(header(r, SOURCE_HEADER), header(r, REASON_HEADER),
                r.value() == null ? 0 : r.value().length));
          }
        }
      }
    } catch (WakeupException e) {
      // close()
    } finally {
      consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
    }
  }

  private void onResult(ConsumerRecord<byte[], byte[]> r, long now) {
    if (r.value() == null || r.key() == null) {
      return; // tombstone (retention) or a record with no job: not a result
    }
    String jobId = new String(r.key(), StandardCharsets.UTF_8);
    try {
      JsonNode result = JSON.readTree(r.value());
      statusByJob.put(jobId, result.path("status").asText());
      JsonNode correlation = result.get("correlation_id");
      if (correlation != null && correlation.isTextual()) {
        jobByCorrelation.putIfAbsent(correlation.asText(), jobId);
      }
    } catch (Exception e) {
      statusByJob.put(jobId, "unparseable");
    }
    List<Long> seen = resultsByJob.computeIfAbsent(jobId, k -> new CopyOnWriteArrayList<>());
    if (seen.isEmpty()) {
      completions.add(now);
    }
    seen.add(now);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** Result records of a job (0 = none yet). */
  int results(String jobId) {
    List<Long> seen = resultsByJob.get(jobId);
    return seen == null ? 0 : seen.size();
  }

  /** When the job's first result record was seen, or -1. */
  long completedAt(String jobId) {
    List<Long> seen = resultsByJob.get(jobId);
    return seen == null || seen.isEmpty() ? -1 : seen.get(0);
  }

  /** Rejections whose source header names this topic-partition@offset. */
  List<Rejection> rejectionsOf(String source) {
    return rejections.stream().filter(r -> source.equals(r.source())).toList();
  }

  /** The longest stretch without a new completion between two instants (ms). */
  long longestGap(long from, long to) {
    long last = from;
    long gap = 0;
    for (long t : completions) {
      if (t < from || t > to) {
        continue;
      }
      gap = Math.max(gap, t - last);
      last = t;
    }
    return Math.max(gap, to - last);
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
