package dev.fusion.launcher;

import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.kafka.DeadLetterPublisher;
import dev.fusion.common.kafka.KafkaTestTopics;
import dev.fusion.common.kafka.Publisher;
import dev.fusion.common.kafka.Topics;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Tests against the launcher's own embedded broker (the one dev mode runs; the JVM's {@link SharedKafka}),
 * with common's topic helpers (fresh prefixes, raw writes, reads of a whole topic), pipelines under a
 * fresh prefix and dead-letter publishers on one shared producer. Register it as a static
 * {@code @RegisterExtension} field and it closes after the class's tests (or close it yourself).
 */
public final class KafkaTopicsFixture extends KafkaTestTopics implements AfterAllCallback {
  public final EmbeddedKafka kafka = SharedKafka.broker();
  private Publisher publisher;

  /** Every pipeline topic under a fresh prefix, and the settings of a pipeline on them. */
  public record Pipeline(Topics topics, FusionConfig config) {}

  /**
   * A pipeline on this broker: every topic under a fresh prefix with {@code partitions} partitions each,
   * and its settings with its own temporary data directory; then {@code overrides}.
   */
  public Pipeline newPipeline(int partitions, Map<String, String> overrides) throws IOException {
    String prefix = newPrefix();
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap());
    env.put("FUSION_TOPIC_PREFIX", prefix);
    env.put("FUSION_DATA_DIR", PipelineHarness.tempDir().toString());
    env.putAll(overrides);
    return new Pipeline(topics(prefix, partitions), FusionConfig.fromEnv(env));
  }

  /** A dead-letter publisher onto {@code topics}' rejections topic; every one shares this fixture's producer. */
  public synchronized DeadLetterPublisher deadLetters(Topics topics) {
    if (publisher == null) {
      publisher = new Publisher(bootstrap(), "test-dead-letters");
    }
    return new DeadLetterPublisher(publisher, topics);
  }

  @Override
  public String bootstrap() {
    return kafka.bootstrapServers();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public synchronized void close() {
    if (publisher != null) {
      publisher.close();
      publisher = null;
    }
    super.close();
  }
}
