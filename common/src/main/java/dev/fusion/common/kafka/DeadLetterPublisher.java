package dev.fusion.common.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a record that cannot be processed on the rejections topic with a bounded reason and where it
 * came from, so nothing is silently dropped and the partition moves on.
 *
 * <p>A dead letter can never fail for size: it carries the original key, value and headers only when
 * they fit well under the producer's request limit ({@link #HEADROOM_BYTES} left for the reason, the
 * provenance headers and the batch framing); otherwise it carries a reference (topic, partition,
 * offset, original size) and no value. The reason is cut to {@link #MAX_REASON_BYTES} and copied
 * headers to {@link #MAX_COPIED_HEADER_BYTES}.
 */
public final class DeadLetterPublisher implements DeadLetters {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);
  public static final String REASON_HEADER = "fusion.rejection.reason";
  /** {@code <topic>-<partition>@<offset>}, readable at a glance. */
  public static final String SOURCE_HEADER = "fusion.rejection.source";
  public static final String TOPIC_HEADER = "fusion.rejection.topic";
  public static final String PARTITION_HEADER = "fusion.rejection.partition";
  public static final String OFFSET_HEADER = "fusion.rejection.offset";
  /** Bytes of the original key, value and headers. */
  public static final String SIZE_HEADER = "fusion.rejection.size";
  /** Present ({@code true}) when the original value was too large to carry: the letter is a reference. */
  public static final String VALUE_OMITTED_HEADER = "fusion.rejection.value-omitted";
  /** How many original headers were left out to keep the letter bounded. */
  public static final String HEADERS_DROPPED_HEADER = "fusion.rejection.headers-dropped";

  public static final int MAX_REASON_BYTES = 1024;
  public static final int MAX_COPIED_HEADER_BYTES = 16 * 1024;
  /** A key larger than this is not carried by a reference letter (job IDs are ~36 bytes). */
  public static final int MAX_REFERENCE_KEY_BYTES = 1024;
  /** Room under the request limit for the reason, provenance headers and record-batch framing. */
  public static final int HEADROOM_BYTES = 64 * 1024;
  /** The producer's {@code max.request.size} when not told otherwise (Kafka's default). */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1_048_576;

  private final Publisher publisher;
  private final Topics topics;
  private final int maxRequestBytes;

  public DeadLetterPublisher(Publisher publisher, Topics topics) {
    this(publisher, topics, DEFAULT_MAX_REQUEST_BYTES);
  }

  /** @param maxRequestBytes the publisher's {@code max.request.size} (and at most the topic's max.message.bytes) */
  public DeadLetterPublisher(Publisher publisher, Topics topics, int maxRequestBytes) {
    this.publisher = publisher;
    this.topics = topics;
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public CompletableFuture<?> reject(ConsumerRecord<byte[], byte[]> record, String reason) {
    return publish(record, reason);
  }

  /** Sends the dead letter; completes when it is durable. Never blocks the calling thread on Kafka's answer. */
  public CompletableFuture<?> publish(ConsumerRecord<byte[], byte[]> record, String reason) {
    ProducerRecord<byte[], byte[]> letter = letter(topics.rejections().name(), record.topic(), record.partition(),
        record.offset(), record.key(), record.value(), record.headers(), reason, maxRequestBytes);
    LOG.warn("rejecting {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
        new String(letter.headers().lastHeader(REASON_HEADER).value(), StandardCharsets.UTF_8));
    return publisher.sendRaw(letter.topic(), letter.key(), letter.value(), letter.headers());
  }

  /**
   * The dead letter of one record, bounded whatever the record's size. Shared by the async loops and the
   * Streams exception handlers (which hand it to Streams' own producer).
   */
  public static ProducerRecord<byte[], byte[]> letter(String rejectionsTopic, String sourceTopic, int partition,
      long offset, byte[] key, byte[] value, Headers original, String reason, int maxRequestBytes) {
    RecordHeaders headers = new RecordHeaders();
    long originalSize = length(key) + length(value);
    int copied = 0;
    int dropped = 0;
    if (original != null) {
      for (Header h : original) {
        long size = utf8(h.key()).length + length(h.value());
        originalSize += size;
        if (copied + size <= MAX_COPIED_HEADER_BYTES) {
          headers.add(h);
          copied += (int) size;
        } else {
          dropped++;
        }
      }
    }
    headers.add(REASON_HEADER, truncate(reason == null ? "unknown" : reason, MAX_REASON_BYTES));
    headers.add(SOURCE_HEADER, utf8(sourceTopic + "-" + partition + "@" + offset));
    headers.add(TOPIC_HEADER, utf8(sourceTopic == null ? "" : sourceTopic));
    headers.add(PARTITION_HEADER, utf8(Integer.toString(partition)));
    headers.add(OFFSET_HEADER, utf8(Long.toString(offset)));
    headers.add(SIZE_HEADER, utf8(Long.toString(originalSize)));
    if (dropped > 0) {
      headers.add(HEADERS_DROPPED_HEADER, utf8(Integer.toString(dropped)));
    }
    boolean fits = length(key) + length(value) + copied <= (long) maxRequestBytes - HEADROOM_BYTES;
    if (fits) {
      return new ProducerRecord<>(rejectionsTopic, null, key, value, headers);
    }
    headers.add(VALUE_OMITTED_HEADER, utf8("true"));
    byte[] referenceKey = length(key) <= MAX_REFERENCE_KEY_BYTES ? key : null;
    return new ProducerRecord<>(rejectionsTopic, null, referenceKey, null, headers);
  }

  /** The UTF-8 bytes of {@code text}, cut to at most {@code max} bytes on a character boundary. */
  static byte[] truncate(String text, int max) {
    byte[] bytes = utf8(text);
    if (bytes.length <= max) {
      return bytes;
    }
    byte[] marker = utf8("...");
    int end = max - marker.length;
    while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
      end--; // Do not split a multi-byte character.
    }
    byte[] out = Arrays.copyOf(bytes, end + marker.length);
    System.arraycopy(marker, 0, out, end, marker.length);
    return out;
  }

  private static long length(byte[] b) {
    return b == null ? 0 : b.length;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The request limit a producer was configured with, for {@link #DeadLetterPublisher(Publisher, Topics, int)}. */
  public static int maxRequestBytes(java.util.Properties producerProps) {
    Object v = producerProps.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    return v == null ? DEFAULT_MAX_REQUEST_BYTES : Integer.parseInt(v.toString());
  }
}
