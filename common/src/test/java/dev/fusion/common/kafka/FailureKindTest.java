package dev.fusion.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class FailureKindTest {

  @Test
  void recordLevelErrorsArePoisonEvenWhereKafkaFilesThemUnderConfiguration() {
    // Since Kafka 4, RecordBatchTooLargeException extends InvalidConfigurationException
    assertThat(FailureKind.classify(new RecordTooLargeException("big"))).isEqualTo(FailureKind.POISON);
    assertThat(FailureKind.classify(new RecordBatchTooLargeException("big"))).isEqualTo(FailureKind.POISON);
    assertThat(FailureKind.classify(new SerializationException("bad"))).isEqualTo(FailureKind.POISON);
    assertThat(FailureKind.classify(new NullPointerException())).isEqualTo(FailureKind.POISON);
    assertThat(FailureKind.classify(new StackOverflowError())).isEqualTo(FailureKind.POISON);
  }

  @Test
  void permissionsFencingAndConfigurationAreFatal() {
    assertThat(FailureKind.classify(new TopicAuthorizationException(Set.of("t")))).isEqualTo(FailureKind.FATAL);
    assertThat(FailureKind.classify(new SaslAuthenticationException("no"))).isEqualTo(FailureKind.FATAL);
    assertThat(FailureKind.classify(new ProducerFencedException("fenced"))).isEqualTo(FailureKind.FATAL);
    assertThat(FailureKind.classify(new ConfigException("bad config"))).isEqualTo(FailureKind.FATAL);
  }

  @Test
  void transientKafkaErrorsAreRetriableAndWrappersAreLookedThrough() {
    assertThat(FailureKind.classify(new TimeoutException("slow"))).isEqualTo(FailureKind.RETRIABLE);
    assertThat(FailureKind.classify(new NotLeaderOrFollowerException("moved"))).isEqualTo(FailureKind.RETRIABLE);
    assertThat(FailureKind.classify(new KafkaException("something else"))).isEqualTo(FailureKind.RETRIABLE);
    assertThat(FailureKind.classify(new CompletionException(new RecordTooLargeException("big"))))
        .isEqualTo(FailureKind.POISON);
    assertThat(FailureKind.classify(new ExecutionException(new KafkaException(new TopicAuthorizationException("t")))))
        .isEqualTo(FailureKind.FATAL);
    assertThat(FailureKind.describe(new CompletionException(new RecordTooLargeException("big"))))
        .isEqualTo("RecordTooLargeException: big");
  }
}
