package dev.fusion.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

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
}
