package dev.fusion.launcher;

import static dev.fusion.launcher.JobsTestClient.ALICE_KEY;
import static dev.fusion.launcher.JobsTestClient.BOB_KEY;
import static dev.fusion.launcher.JobsTestClient.twoTenantStack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.kafka.DeadLetterPublisher;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.ingress.kafka.KafkaRequests;
import dev.fusion.ingress.kafka.RequestsTopicIngest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Jobs submitted by producing to fusion.requests: replies, rejections, tenants from a trusted header. */
class KafkaSubmissionTest extends PipelineTestBase {
  @Test
  void aRequestOnTheTopicCompletesAndItsResultReachesTheReplyTopicKeyedByCorrelationId() throws Exception {
    try (FusionStack stack = twoTenantStack(harness); var producer = producer()) {
      String replies = createTopic(stack.config().topicPrefix() + "my-replies");
      String requests = stack.context().topics().requests().name();
      // Given two requests: routing in headers, and routing in fields
      producer.send(record(requests, "order-1", PipelineHarness.jobBody("What is Kafka?", "sim/alpha", "sim/beta"),
          "fusion-tenant", "alice", "fusion-correlation-id", "corr-1", "fusion-reply-to", replies)).get();
      var withFields = (com.fasterxml.jackson.databind.node.ObjectNode) Json.tree(
          PipelineHarness.jobBody("What is a topic?", "sim/alpha"));
      withFields.put("correlation_id", "corr-2").put("reply_to", replies);
      producer.send(record(requests, null, Json.toString(withFields), "fusion-tenant", "alice")).get();
      // and an invalid one that names the reply topic
      producer.send(record(requests, "corr-3", "{\"messages\": []}", "fusion-tenant", "alice",
          "fusion-reply-to", replies)).get();
      // Then both results arrive on the reply topic, keyed by their correlation IDs
      Map<String, ConsumerRecord<byte[], byte[]>> byKey = readKeyed(replies, 3);
      assertThat(byKey).containsOnlyKeys("corr-1", "corr-2", "corr-3");
      // and the invalid one gets its rejection there, in the OpenAI error shape
      JsonNode rejection = Json.tree(new String(byKey.remove("corr-3").value(), StandardCharsets.UTF_8));
      assertThat(rejection.path("status").asText()).isEqualTo("rejected");
      assertThat(rejection.path("error").path("param").asText()).isEqualTo("messages");
      for (var entry : byKey.entrySet()) {
        JsonNode result = Json.tree(new String(entry.getValue().value(), StandardCharsets.UTF_8));
        assertThat(result.path("status").asText()).isEqualTo("completed");
        assertThat(result.path("answer").asText()).isNotBlank();
        assertThat(result.path("correlation_id").asText()).isEqualTo(entry.getKey());
        String jobId = header(entry.getValue(), KafkaRequests.JOB_ID_HEADER);
        assertThat(jobId).isEqualTo(result.path("job_id").asText());
        // and the job belongs to the tenant named in the trusted header
        assertThat(new JobsTestClient(stack.httpPort(), ALICE_KEY).getJson("/v1/jobs/" + jobId)
            .path("status").asText()).isEqualTo("completed");
        assertThat(new JobsTestClient(stack.httpPort(), BOB_KEY).get("/v1/jobs/" + jobId).statusCode())
            .isEqualTo(404);
      }
    }
  }

  @Test
  void aHundredMalformedRecordsGoToRejectionsWhileValidRecordsAroundThemComplete() throws Exception {
    try (FusionStack stack = twoTenantStack(harness); var producer = producer()) {
      String replies = createTopic(stack.config().topicPrefix() + "replies");
      String requests = stack.context().topics().requests().name();
      String valid = PipelineHarness.jobBody("Valid question", "sim/alpha");
      String[] bad = {
          "not json at all", "[1,2,3]", "{}", "{\"messages\": []}", "{\"messages\": [{\"role\": \"user\"}]}",
          PipelineHarness.jobBody("nine", "a", "b", "c", "d", "e", "f", "g", "h", "i"),
          "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"colour\": 1}",
          "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"reply_to\": \"not a topic!\"}",
          // Allowed (under the topic prefix) but missing
          "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"reply_to\": \""
              + stack.config().topicPrefix() + "no-such-topic\"}",
          "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}"};
      // Given 100 malformed records (bad bodies, a missing or unknown tenant) with 10 valid ones between them
      List<String> sentBad = new ArrayList<>();
      int validSent = 0;
      for (int i = 0; i < 110; i++) {
        if (i % 11 == 5) {
          producer.send(record(requests, "ok-" + validSent, valid, "fusion-tenant", "bob",
              "fusion-reply-to", replies));
          validSent++;
          continue;
        }
        int n = sentBad.size();
        String value = n % 12 == 10 ? valid + " " : n % 12 == 11 ? valid + "  " : bad[n % 10] + " ".repeat(n / 10);
        String tenant = n % 12 == 10 ? null : n % 12 == 11 ? "mallory" : "bob";
        String marker = "bad-" + n;
        sentBad.add(marker);
        producer.send(tenant == null ? record(requests, marker, value)
            : record(requests, marker, value, "fusion-tenant", tenant));
      }
      producer.flush();
      // Then every valid one completes and replies
      Map<String, ConsumerRecord<byte[], byte[]>> replied = readKeyed(replies, 10);
      assertThat(replied.keySet()).hasSize(10).allMatch(k -> k.startsWith("ok-"));
      replied.values().forEach(r -> assertThat(Json.tree(new String(r.value(), StandardCharsets.UTF_8))
          .path("status").asText()).isEqualTo("completed"));
      // and every malformed one is on the rejections topic with a reason and its original bytes
      Map<String, ConsumerRecord<byte[], byte[]>> rejected = readKeyed(stack.context().topics().rejections().name(),
          100);
      assertThat(rejected.keySet()).containsExactlyInAnyOrderElementsOf(sentBad);
      rejected.values().forEach(r -> {
        assertThat(header(r, DeadLetterPublisher.REASON_HEADER)).isNotBlank();
        assertThat(header(r, DeadLetterPublisher.SOURCE_HEADER)).startsWith(requests);
        assertThat(header(r, "fusion-tenant")).isIn(null, "bob", "mallory"); // Original headers kept.
      });
      assertThat(header(rejected.get("bad-0"), DeadLetterPublisher.REASON_HEADER)).contains("invalid_json");
      assertThat(new String(rejected.get("bad-0").value(), StandardCharsets.UTF_8)).isEqualTo("not json at all");
      assertThat(header(rejected.get("bad-10"), DeadLetterPublisher.REASON_HEADER)).contains("missing_tenant");
      assertThat(header(rejected.get("bad-11"), DeadLetterPublisher.REASON_HEADER)).contains("unknown_tenant");
      assertThat(header(rejected.get("bad-8"), DeadLetterPublisher.REASON_HEADER)).contains("unknown_topic");
      // and no partition of the requests topic is stuck: the group committed everything
      assertGroupCaughtUp(stack.config().topicPrefix() + RequestsTopicIngest.GROUP, requests);
    }
  }

  static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(KafkaConfigs.producer(harness.kafka.bootstrapServers(), "test-requests"));
  }

  static ProducerRecord<byte[], byte[]> record(String topic, String key, String value, String... headers) {
    RecordHeaders h = new RecordHeaders();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return new ProducerRecord<>(topic, null, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8), h);
  }

  private static Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.kafka.bootstrapServers());
    return Admin.create(props);
  }

  private static String createTopic(String name) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, 2, (short) 1))).all().get();
    }
    return name;
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** Reads {@code topic} from the start until {@code count} distinct keys were seen. */
  static Map<String, ConsumerRecord<byte[], byte[]>> readKeyed(String topic, int count) {
    Map<String, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
    try (var consumer = new KafkaConsumer<byte[], byte[]>(
        KafkaConfigs.consumer(harness.kafka.bootstrapServers(), null, "read-" + topic))) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        consumer.poll(Duration.ofMillis(100)).forEach(r -> out.put(new String(r.key(), StandardCharsets.UTF_8), r));
        return out.size() >= count;
      });
    }
    return out;
  }

  private static void assertGroupCaughtUp(String group, String topic) throws Exception {
    try (Admin admin = admin(); var consumer = new KafkaConsumer<byte[], byte[]>(
        KafkaConfigs.consumer(harness.kafka.bootstrapServers(), null, "ends"))) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return parts.stream().allMatch(tp -> ends.get(tp) == 0
            || (committed.get(tp) != null && committed.get(tp).offset() == ends.get(tp)));
      });
    }
  }
}
