package dev.fusion.common.kafka;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The one failure policy of every consumer loop (async workers, the Streams aggregation, the views,
 * cancellations, Kafka requests), after Kafka's ExactlyOnceMessageProcessor: each error is
 * {@link #FATAL} (stop, report not ready, say why), {@link #RETRIABLE} (back off, try again, a bounded
 * number of times for one record) or {@link #POISON} (this record can never be processed: dead-letter
 * it and move on).
 */
public enum FailureKind {
  /** The process cannot work as configured (authorization, authentication, fenced, misconfigured). */
  FATAL,
  /** A transient condition (timeout, broker or leader unavailable): the same work may succeed later. */
  RETRIABLE,
  /** The record itself: undeserializable, off-contract, too large, or a bug that fails again on replay. */
  POISON;

  /** Classifies a failure of a consumer loop; wrappers (completion, execution, bare Kafka) are looked through. */
  public static FailureKind classify(Throwable error) {
    Throwable e = unwrap(error);
    // Order matters: since Kafka 4 some record-level errors extend InvalidConfigurationException.
    if (e instanceof SerializationException || e instanceof RecordTooLargeException
        || e instanceof RecordBatchTooLargeException || e instanceof InvalidRecordException
        || e instanceof InvalidTopicException) {
      return POISON;
    }
    if (e instanceof AuthorizationException || e instanceof AuthenticationException
        || e instanceof ApplicationRecoverableException || e instanceof InvalidConfigurationException
        || e instanceof ConfigException) {
      return FATAL;
    }
    if (e instanceof RetriableException || e instanceof java.util.concurrent.TimeoutException
        || e instanceof KafkaException) {
      return RETRIABLE; // Any other Kafka error is taken as transient; bounded attempts catch the rest.
    }
    if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
      return FATAL; // Out of memory: nothing this process does next can be trusted.
    }
    return POISON; // A non-Kafka error thrown by processing: a bug that fails the same way on replay.
  }

  /** The failure a wrapper stands for: what {@link #classify} looks at and what a reason names. */
  public static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while (e.getCause() != null && e.getCause() != e && isWrapper(e)) {
      e = e.getCause();
    }
    return e;
  }

  private static boolean isWrapper(Throwable e) {
    return e instanceof CompletionException || e instanceof ExecutionException
        || e.getClass() == KafkaException.class
        || e.getClass().getName().equals("org.apache.kafka.streams.errors.StreamsException");
  }

  /** A one-line description of a failure for logs and dead-letter reasons (class and message, no stack). */
  public static String describe(Throwable error) {
    Throwable e = unwrap(error);
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    if (root != e && root.getMessage() != null) {
      text += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return text;
  }
}
