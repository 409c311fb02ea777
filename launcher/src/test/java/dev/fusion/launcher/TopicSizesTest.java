package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.kafka.Publisher;
import dev.fusion.common.kafka.TopicAdmin;
import dev.fusion.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Fusion sets Kafka's size limits on what it creates and refuses to start on topics too small for its records. */
class TopicSizesTest {
  private static EmbeddedKafka kafka;
  private static Admin admin;
  private final RecordBudget budget = RecordBudget.DEFAULT;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.temporary().start();
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    admin = Admin.create(props);
  }

  @AfterAll
  static void stop() {
    admin.close();
    kafka.close();
  }

  private static long maxMessageBytes(String topic) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return Long.parseLong(admin.describeConfigs(List.of(r)).all().get().get(r)
        .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
  }

  @Test
  void createdTopicsTakeTheLargestRecordAndTheRejectionsTopicItsDeadLetter() throws Exception {
    Topics topics = new Topics("sizes1.", budget);
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics, 1, (short) 1);
    for (var t : topics.all()) {
      assertThat(maxMessageBytes(t.name())).as(t.name()).isEqualTo(t == topics.rejections()
          ? budget.rejectionsMaxMessageBytes() : budget.topicMaxMessageBytes());
    }

    // A record of the largest size is acknowledged, and so is its dead letter with reason and source headers.
    byte[] largest = new byte[(int) budget.maxRecordBytes()];
    Arrays.fill(largest, (byte) 'x');
    String key = "job_" + "0".repeat(32);
    try (Publisher publisher = new Publisher(kafka.bootstrapServers(), "sizes", budget)) {
      publisher.sendRaw(topics.results().name(), key.getBytes(StandardCharsets.UTF_8), largest, null)
          .get(30, TimeUnit.SECONDS);
      RecordHeaders headers = new RecordHeaders();
      headers.add("fusion.rejection.reason", "r".repeat(8 * 1024).getBytes(StandardCharsets.UTF_8));
      headers.add("fusion.rejection.source", (topics.results().name() + "-0@0").getBytes(StandardCharsets.UTF_8));
      publisher.sendRaw(topics.rejections().name(), key.getBytes(StandardCharsets.UTF_8), largest, headers)
          .get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void anExistingTopicTooSmallForTheRecordsFailsTheStartNamingItAndTheFix() throws Exception {
    Topics topics = new Topics("sizes2.", budget);
    admin.createTopics(List.of(new NewTopic(topics.results().name(), 1, (short) 1)
        .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "500000")))).all().get();
    // Whether or not the listing shows it yet, an existing topic is checked (else Kafka says it exists).

    assertThatThrownBy(() -> TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics, 1, (short) 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(topics.results().name() + " has max.message.bytes=500000")
        .hasMessageContaining("needs at least " + budget.topicMaxMessageBytes())
        .hasMessageContaining("--add-config max.message.bytes=" + budget.topicMaxMessageBytes());
    // The operator's topic is left as it was.
    assertThat(maxMessageBytes(topics.results().name())).isEqualTo(500_000);
  }

  @Test
  void anExistingTopicWithTheBrokersDefaultsIsLargeEnough() throws Exception {
    Topics topics = new Topics("sizes3.", budget);
    admin.createTopics(List.of(new NewTopic(topics.rejections().name(), 1, (short) 1))).all().get();
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics, 1, (short) 1);
    assertThat(admin.listTopics().names().get()).containsAll(topics.all().stream().map(t -> t.name())
        .toList());
  }
}
