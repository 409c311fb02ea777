package dev.fusion.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.RecordBudget;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class PublisherTest {
  /**
   * With nothing listening, {@code KafkaProducer.send} blocks until the send timeout waiting for metadata.
   * Asked for on an event loop, the send must leave the loop at once: a task queued on the same loop
   * after it runs while the send is still pending, and the send then fails instead of hanging.
   */
  @Test
  void aSendOnAnEventLoopNeverBlocksItAndFailsAfterTheSendTimeoutWhenKafkaIsDown() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (Publisher publisher = new Publisher("127.0.0.1:1", "publisher-test", Duration.ofSeconds(2))) {
      CompletableFuture<CompletableFuture<?>> sent = new CompletableFuture<>();
      CompletableFuture<Boolean> sendDoneWhenNextTaskRan = new CompletableFuture<>();
      var context = vertx.getOrCreateContext();
      context.runOnContext(v -> {
        CompletableFuture<?> send = publisher.sendRaw("no-metadata-yet", null, new byte[] {1}, null);
        sent.complete(send);
        context.runOnContext(w -> sendDoneWhenNextTaskRan.complete(send.isDone()));
      });
      assertThat(sendDoneWhenNextTaskRan.get(30, TimeUnit.SECONDS)).isFalse();
      CompletableFuture<?> send = sent.get(30, TimeUnit.SECONDS);
      Assertions.assertThatThrownBy(() -> send.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
    } finally {
      vertx.close().await();
    }
  }

  /**
   * A job's events must be in the log before the record that leads to its terminal event (an event stream
   * ends there). So the record goes out only once every event was acknowledged: when an event cannot be
   * written, the record is not written either and the send fails.
   */
  @Test
  void aRecordSentAfterEventsIsWrittenOnlyOnceEveryEventWasAcknowledged() throws Exception {
    InJvmKafka kafka = InJvmKafka.shared();
    try (Publisher publisher = new Publisher(kafka.bootstrap(), "publisher-test")) {
      Topics topics = kafka.newTopics(1);
      byte[] record = "the record".getBytes(java.nio.charset.StandardCharsets.UTF_8);

      // Given events that are written: the record follows them
      publisher.sendAfterEvents(topics.rejections(), topics.requests(), "job-1", record, null,
          "event-1".getBytes(java.nio.charset.StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
      assertThat(kafka.readAll(topics.rejections().name())).hasSize(1);
      assertThat(kafka.readAll(topics.requests().name())).hasSize(1);

      // When one event is larger than any request the producer may send
      byte[] oversized = new byte[RecordBudget.DEFAULT.producerMaxRequestBytes() + 1];
      CompletableFuture<?> send = publisher.sendAfterEvents(topics.rejections(), topics.requests(), "job-2", record,
          null, "event-2".getBytes(java.nio.charset.StandardCharsets.UTF_8), oversized);

      // Then the send fails and the record was never written
      Assertions.assertThatThrownBy(() -> send.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(org.apache.kafka.common.errors.RecordTooLargeException.class);
      assertThat(kafka.readAll(topics.requests().name())).hasSize(1);
    }
  }
}
