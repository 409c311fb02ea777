package dev.fusion.common.kafka;

import static dev.fusion.launcher.KafkaTopicsFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.launcher.KafkaTopicsFixture;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A dead letter can never fail for size, against a real broker with Kafka's default 1 MB limits. */
class DeadLetterPublisherTest {
  @RegisterExtension
  static final KafkaTopicsFixture kafka = new KafkaTopicsFixture();

  private static ConsumerRecord<byte[], byte[]> record(long offset, int valueBytes, RecordHeaders headers) {
    byte[] value = new byte[valueBytes];
    Arrays.fill(value, (byte) 'v');
    return new ConsumerRecord<>("fusion.panel.answers", 2, offset, 0L, TimestampType.CREATE_TIME, 6, valueBytes,
        "job_42".getBytes(StandardCharsets.UTF_8), value, headers, java.util.Optional.empty());
  }

  @Test
  void recordsOf900KbAnd2MbBothDeadLetterTheFirstWithItsBytesTheSecondAsAReference() throws Exception {
    Topics topics = kafka.newTopics(1);
    DeadLetterPublisher deadLetters = kafka.deadLetters(topics);
    String longReason = "x".repeat(10_000) + " and the tail nobody sees";

    deadLetters.reject(record(7, 900 * 1024, new RecordHeaders()), longReason).get();
    deadLetters.reject(record(8, 2 * 1024 * 1024, new RecordHeaders()), "too large to process").get();

    List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll(topics.rejections().name());
    assertThat(letters).hasSize(2);
    ConsumerRecord<byte[], byte[]> carried = letters.get(0);
    assertThat(carried.value()).hasSize(900 * 1024);
    assertThat(carried.headers().lastHeader(DeadLetterPublisher.REASON_HEADER).value().length)
        .isLessThanOrEqualTo(DeadLetterPublisher.MAX_REASON_BYTES);
    assertThat(header(carried, DeadLetterPublisher.REASON_HEADER)).startsWith("xxx").endsWith("...");
    assertThat(header(carried, DeadLetterPublisher.VALUE_OMITTED_HEADER)).isNull();

    ConsumerRecord<byte[], byte[]> reference = letters.get(1);
    assertThat(reference.value()).isNull();
    assertThat(new String(reference.key(), StandardCharsets.UTF_8)).isEqualTo("job_42");
    assertThat(header(reference, DeadLetterPublisher.VALUE_OMITTED_HEADER)).isEqualTo("true");
    assertThat(header(reference, DeadLetterPublisher.TOPIC_HEADER)).isEqualTo("fusion.panel.answers");
    assertThat(header(reference, DeadLetterPublisher.PARTITION_HEADER)).isEqualTo("2");
    assertThat(header(reference, DeadLetterPublisher.OFFSET_HEADER)).isEqualTo("8");
    assertThat(header(reference, DeadLetterPublisher.SIZE_HEADER)).isEqualTo(String.valueOf(6 + 2 * 1024 * 1024));
    assertThat(header(reference, DeadLetterPublisher.SOURCE_HEADER)).isEqualTo("fusion.panel.answers-2@8");
    assertThat(header(reference, DeadLetterPublisher.REASON_HEADER)).isEqualTo("too large to process");
  }

  @Test
  void copiedHeadersAreBoundedAndAMultiByteReasonIsCutOnACharacter() throws Exception {
    Topics topics = kafka.newTopics(1);
    RecordHeaders many = new RecordHeaders();
    for (int i = 0; i < 100; i++) {
      many.add("h" + i, new byte[1024]);
    }
    kafka.deadLetters(topics).reject(record(1, 10, many), "界".repeat(1000)).get();

    ConsumerRecord<byte[], byte[]> letter = kafka.readAll(topics.rejections().name()).get(0);
    long copied = java.util.stream.StreamSupport.stream(letter.headers().spliterator(), false)
        .filter(h -> h.key().startsWith("h")).count();
    assertThat(copied).isLessThan(100).isPositive();
    assertThat(header(letter, DeadLetterPublisher.HEADERS_DROPPED_HEADER)).isEqualTo(String.valueOf(100 - copied));
    assertThat(letter.value()).hasSize(10); // Dropping headers does not cost the value.
    String reason = header(letter, DeadLetterPublisher.REASON_HEADER);
    assertThat(reason).endsWith("...").doesNotContain("\uFFFD");
    assertThat(reason.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(DeadLetterPublisher.MAX_REASON_BYTES);
  }
}
