package dev.fusion.launcher;

import dev.fusion.common.kafka.KafkaTestTopics;

/**
 * Tests against the launcher's own embedded broker (the one dev mode runs): one broker per test class,
 * with common's topic helpers (fresh prefixes, raw writes, reads of a whole topic).
 */
public final class KafkaTopicsFixture extends KafkaTestTopics {
  public final EmbeddedKafka kafka = EmbeddedKafka.temporary().start();

  @Override
  public String bootstrap() {
    return kafka.bootstrapServers();
  }

  @Override
  public void close() {
    super.close();
    kafka.close();
  }
}
