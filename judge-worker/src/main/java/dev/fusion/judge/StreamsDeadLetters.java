package dev.fusion.judge;

import dev.fusion.common.kafka.DeadLetterPublisher;
import dev.fusion.common.kafka.FailureKind;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregation's side of the shared failure policy ({@link FailureKind}). Streams calls these
 * handlers for a record it cannot deserialize, one whose processing throws, and an output it cannot
 * produce; poison is answered with a dead letter (built by {@link DeadLetterPublisher#letter}, so it is
 * bounded) that Streams itself writes to {@code errors.dead.letter.queue.topic.name} (the rejections
 * topic) with the task's other output, and the task CONTINUES: one bad record never crash-loops the
 * stream thread. Fatal errors fail the thread; the uncaught handler then shuts the client down, so the
 * worker reports not ready.
 */
final class StreamsDeadLetters {
  private static final Logger LOG = LoggerFactory.getLogger(StreamsDeadLetters.class);
  static final String STAGE = "judge-aggregation";

  private StreamsDeadLetters() {}

  /** Installs the handlers and names the rejections topic as Streams' dead-letter topic. */
  static void configure(Properties streamsProps, String rejectionsTopic) {
    streamsProps.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, rejectionsTopic);
    streamsProps.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, Deserialization.class);
    streamsProps.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, Processing.class);
    streamsProps.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, Production.class);
  }

  /** Stream threads replaced after non-fatal failures before the client is shut down instead. */
  static final int MAX_THREAD_REPLACEMENTS = 5;

  /**
   * What a stream thread does after an exception no handler resumed from: a fatal one shuts the client
   * down (the worker reports not ready); another replaces the thread, but only {@value
   * #MAX_THREAD_REPLACEMENTS} times, so a failure that comes back with every replay cannot loop forever.
   */
  static StreamsUncaughtExceptionHandler uncaughtHandler() {
    AtomicInteger replaced = new AtomicInteger();
    return e -> {
      if (FailureKind.classify(e) == FailureKind.FATAL) {
        LOG.error("judge aggregation: fatal failure, shutting the aggregation down (not ready): {}",
            FailureKind.describe(e), e);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
      if (replaced.incrementAndGet() > MAX_THREAD_REPLACEMENTS) {
        LOG.error("judge aggregation failed again after {} thread replacements; shutting it down (not ready)",
            MAX_THREAD_REPLACEMENTS, e);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
      LOG.error("judge aggregation failed; replacing the stream thread", e);
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    };
  }

  /** Where dead letters go and how large a request may be; read from the Streams config. */
  private static final class Target {
    String topic;
    int maxRequestBytes = DeadLetterPublisher.DEFAULT_MAX_REQUEST_BYTES;

    void configure(Map<String, ?> configs) {
      topic = String.valueOf(configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG));
      Object max = configs.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
      if (max == null) {
        max = configs.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
      }
      if (max != null) {
        maxRequestBytes = Integer.parseInt(max.toString());
      }
    }

    /**
     * The dead letter of the source record the context names. Streams does not always have its bytes (a
     * punctuation has no source record; a failed send's callback may not carry them): the letter is then
     * a reference, and says so.
     */
    List<ProducerRecord<byte[], byte[]>> letterFor(ErrorHandlerContext context, byte[] key, byte[] value,
        String reason) {
      if (value == null) {
        reason += " (source bytes not available here: see its topic, partition and offset)";
      }
      LOG.warn("{}: rejecting {}-{}@{}: {}", STAGE, context.topic(), context.partition(), context.offset(), reason);
      return List.of(DeadLetterPublisher.letter(topic, context.topic(), context.partition(), context.offset(), key,
          value, context.headers(), STAGE + ": " + reason, maxRequestBytes));
    }
  }

  /** A record of fusion.jobs or fusion.panel.answers that is not JSON or breaks its contract. */
  public static final class Deserialization implements DeserializationExceptionHandler {
    private final Target target = new Target();

    @Override
    public void configure(Map<String, ?> configs) {
      target.configure(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
        Exception exception) {
      if (FailureKind.classify(exception) == FailureKind.FATAL) {
        return Response.fail();
      }
      return Response.resume(target.letterFor(context, record.key(), record.value(),
          "undeserializable " + record.topic() + " record: " + FailureKind.describe(exception)));
    }
  }

  /** The aggregator threw on a record: a bug or a record it cannot take, which would fail again on replay. */
  public static final class Processing implements ProcessingExceptionHandler {
    private final Target target = new Target();

    @Override
    public void configure(Map<String, ?> configs) {
      target.configure(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, org.apache.kafka.streams.processor.api.Record<?, ?> record,
        Exception exception) {
      if (FailureKind.classify(exception) == FailureKind.FATAL) {
        return Response.fail();
      }
      return Response.resume(target.letterFor(context, context.sourceRawKey(), context.sourceRawValue(),
          "processing failed: " + FailureKind.describe(exception)));
    }
  }

  /** An output (a panel set) that cannot be written: too large or unserializable is poison for its source. */
  public static final class Production implements ProductionExceptionHandler {
    private final Target target = new Target();

    @Override
    public void configure(Map<String, ?> configs) {
      target.configure(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
        Exception exception) {
      return switch (FailureKind.classify(exception)) {
        case FATAL -> Response.fail();
        // Streams' own answer to a transient send failure (its task timeout bounds it); Streams
        // retries only Kafka's RetriableException.
        case RETRIABLE -> FailureKind.unwrap(exception) instanceof RetriableException
            ? Response.retry() : Response.fail();
        case POISON -> Response.resume(target.letterFor(context, context.sourceRawKey(), context.sourceRawValue(),
            "output to " + record.topic() + " not writable: " + FailureKind.describe(exception)));
      };
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record,
        Exception exception, SerializationExceptionOrigin origin) {
      return Response.resume(target.letterFor(context, context.sourceRawKey(), context.sourceRawValue(),
          "output to " + record.topic() + " not serializable (" + origin + "): " + FailureKind.describe(exception)));
    }
  }
}
