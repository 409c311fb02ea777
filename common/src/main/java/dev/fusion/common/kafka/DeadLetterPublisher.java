package dev.fusion.common.kafka;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a record that cannot be processed on the rejections topic with its original bytes, the reason
 * and where it came from, so nothing is silently dropped and the partition moves on.
 */
public final class DeadLetterPublisher implements AsyncConsumerWorker.DeadLetters {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);
  public static final String REASON_HEADER = "fusion.rejection.reason";
  public static final String SOURCE_HEADER = "fusion.rejection.source";

  private final Publisher publisher;
  private final Topics topics;

  public DeadLetterPublisher(Publisher publisher, Topics topics) {
    this.publisher = publisher;
    this.topics = topics;
  }

  @Override
  public void reject(ConsumerRecord<byte[], byte[]> record, String reason) {
    publish(record, reason).join();
  }

  public CompletableFuture<?> publish(ConsumerRecord<byte[], byte[]> record, String reason) {
    LOG.warn("rejecting {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
    RecordHeaders headers = new RecordHeaders();
    record.headers().forEach(headers::add);
    headers.add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    headers.add(SOURCE_HEADER, (record.topic() + "-" + record.partition() + "@" + record.offset())
        .getBytes(StandardCharsets.UTF_8));
    return publisher.sendRaw(topics.rejections().name(), record.key(), record.value(), headers);
  }
}
