package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.kafka.DeadLetterPublisher;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.ingress.kafka.ResultReplies;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile Kafka requests (issue 15, bug D): another tenant's job ID as correlation ID with a reply to
 * Fusion's results topic, replies to internal topics, a forwarder reading its own replies, and a job
 * whose result was written twice.
 */
class KafkaRequestSafetyTest extends PipelineTestBase {
  private static final String ACME_KEY = "sk-acme-safety";
  private static final String GLOBEX_KEY = "sk-globex-safety";
  private static FusionStack stack;
  private static JobsTestClient acme;
  private static JobsTestClient globex;
  private static KafkaProducer<byte[], byte[]> producer;

  @BeforeAll
  static void start() throws Exception {
    stack = JobsTestClient.stack(harness, Map.of("FUSION_API_KEYS",
        JobsTestClient.apiKeys("acme", ACME_KEY, "globex", GLOBEX_KEY))).start();
    acme = new JobsTestClient(stack.httpPort(), ACME_KEY);
    globex = new JobsTestClient(stack.httpPort(), GLOBEX_KEY);
    producer = new KafkaProducer<>(KafkaConfigs.producer(harness.kafka.bootstrapServers(), "hostile"));
  }

  @AfterAll
  static void stop() {
    producer.close();
    stack.close();
  }

  @Test
  void aRequestNamingAnotherTenantsJobAndTheResultsTopicIsRejectedAndTheJobIsUntouched() throws Exception {
    // Given a finished acme job
    String jobId = acme.submit(PipelineHarness.jobBody("acme's secret question", "sim/alpha"));
    JsonNode before = acme.awaitTerminal(jobId);
    String results = stack.context().topics().results().name();
    int eventsBefore = harness.records(stack.context().topics().events().name(), jobId).size();
    // When globex sends requests that reply to Fusion's results topic (keyed by acme's job ID) and to internals
    String requests = stack.context().topics().requests().name();
    List<String> forbidden = List.of(results, stack.context().topics().jobs().name(), "fusion.results",
        "__consumer_offsets", stack.config().topicPrefix() + "fusion-judge-worker-panel-state-changelog");
    for (int i = 0; i < forbidden.size(); i++) {
      producer.send(record(requests, "attack-" + i, PipelineHarness.jobBody("globex's answer", "sim/alpha"),
          "fusion-tenant", "globex", "fusion-correlation-id", jobId, "fusion-reply-to", forbidden.get(i))).get();
    }
    // Then each is on the rejections topic with the reason
    String rejections = stack.context().topics().rejections().name();
    Map<String, ConsumerRecord<byte[], byte[]>> rejected = awaitKeys(rejections, "attack-", forbidden.size());
    rejected.values().forEach(r -> assertThat(header(r, DeadLetterPublisher.REASON_HEADER))
        .contains("reply_to").contains("may not name a Fusion or internal topic"));
    // and nothing was written for acme's job: one result, the same answer, no new events
    assertThat(harness.records(results, jobId)).hasSize(1);
    assertThat(harness.records(stack.context().topics().events().name(), jobId)).hasSize(eventsBefore);
    JsonNode after = acme.getJson("/v1/jobs/" + jobId);
    assertThat(after.path("status").asText()).isEqualTo("completed");
    assertThat(after.path("answer")).isEqualTo(before.path("answer"));
    assertThat(globex.get("/v1/jobs/" + jobId).statusCode()).isEqualTo(404);
    assertThat(globex.getJson("/v1/jobs").path("data")).isEmpty();
  }

  @Test
  void aResultNamingAnotherTenantDoesNotReplaceTheJobInTheView() throws Exception {
    // Given a finished acme job and its result record
    String jobId = acme.submit(PipelineHarness.jobBody("acme again", "sim/alpha"));
    JsonNode before = acme.awaitTerminal(jobId);
    String results = stack.context().topics().results().name();
    ConsumerRecord<byte[], byte[]> original = harness.records(results, jobId).get(0);
    // When anything writes a result for it that names globex (then an acme sentinel behind it, same partition)
    ObjectNode forged = (ObjectNode) Json.tree(new String(original.value(), StandardCharsets.UTF_8));
    forged.put("tenant", "globex").put("answer", "forged");
    producer.send(new ProducerRecord<>(results, original.partition(), bytes(jobId), bytes(Json.toString(forged)))).get();
    String sentinel = "job_" + "0".repeat(24) + "5e171e1a";
    ObjectNode sentinelResult = ((ObjectNode) Json.tree(new String(original.value(), StandardCharsets.UTF_8)))
        .put("job_id", sentinel);
    producer.send(new ProducerRecord<>(results, original.partition(), bytes(sentinel),
        bytes(Json.toString(sentinelResult)))).get();
    acme.awaitTerminal(sentinel); // The view has read past the forged result.
    // Then acme still sees its own result and globex sees nothing
    JsonNode after = acme.getJson("/v1/jobs/" + jobId);
    assertThat(after.path("answer")).isEqualTo(before.path("answer"));
    assertThat(globex.get("/v1/jobs/" + jobId).statusCode()).isEqualTo(404);
  }

  @Test
  void theForwarderNeverForwardsItsOwnRepliesNorToFusionTopicsAndRepliesOncePerJob() throws Exception {
    String replies = createTopic(stack.config().topicPrefix() + "safety-replies");
    String results = stack.context().topics().results().name();
    // Given a Kafka-submitted job whose reply arrived
    producer.send(record(stack.context().topics().requests().name(), "order-1",
        PipelineHarness.jobBody("once please", "sim/alpha"), "fusion-tenant", "acme", "fusion-reply-to", replies)).get();
    ConsumerRecord<byte[], byte[]> reply = awaitKeys(replies, "order-1", 1).get("order-1");
    String jobId = header(reply, "fusion-job-id");
    ConsumerRecord<byte[], byte[]> result = harness.records(results, jobId).get(0);
    ObjectNode resultJson = (ObjectNode) Json.tree(new String(result.value(), StandardCharsets.UTF_8));
    // When, on the same partition: the job's result is written again (a stage crashed before committing),
    ObjectNode second = resultJson.deepCopy().put("answer", "a second synthesis");
    producer.send(new ProducerRecord<>(results, result.partition(), bytes(jobId), bytes(Json.toString(second)))).get();
    // a record carrying the forwarder's mark (one of its replies, had it landed here),
    ObjectNode echoed = resultJson.deepCopy().put("job_id", "job_echo").put("correlation_id", "echo");
    RecordHeaders mark = new RecordHeaders();
    mark.add(ResultReplies.FORWARDED_HEADER, bytes("ingress-result-replies"));
    producer.send(new ProducerRecord<>(results, result.partition(), bytes("job_echo"), bytes(Json.toString(echoed)),
        mark)).get();
    // a result written before the reply check existed that names the results topic itself,
    ObjectNode loop = resultJson.deepCopy().put("job_id", "job_loop").put("correlation_id", "job_loop")
        .put("reply_topic", results);
    producer.send(new ProducerRecord<>(results, result.partition(), bytes("job_loop"), bytes(Json.toString(loop))))
        .get();
    // and a legitimate result of another job behind them
    ObjectNode next = resultJson.deepCopy().put("job_id", "job_next").put("correlation_id", "order-2");
    producer.send(new ProducerRecord<>(results, result.partition(), bytes("job_next"), bytes(Json.toString(next))))
        .get();
    // Then only the legitimate one is replied to: one reply per job, no echo
    awaitKeys(replies, "order-2", 1);
    List<String> keys = harness.records(replies, null).stream()
        .map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
    assertThat(keys).containsExactlyInAnyOrder("order-1", "order-2");
    // and nothing was written back to the results topic for the looping record
    assertThat(harness.records(results, "job_loop")).hasSize(1);
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value, String... headers) {
    RecordHeaders h = new RecordHeaders();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], bytes(headers[i + 1]));
    }
    return new ProducerRecord<>(topic, null, bytes(key), bytes(value), h);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static String createTopic(String name) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.kafka.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      admin.createTopics(List.of(new NewTopic(name, 2, (short) 1))).all().get();
    }
    return name;
  }

  /** Waits until {@code topic} holds {@code count} distinct keys starting with {@code prefix}. */
  private static Map<String, ConsumerRecord<byte[], byte[]>> awaitKeys(String topic, String prefix, int count) {
    Map<String, ConsumerRecord<byte[], byte[]>> out = new java.util.HashMap<>();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      out.clear();
      for (ConsumerRecord<byte[], byte[]> r : harness.records(topic, null)) {
        String k = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        if (k.startsWith(prefix)) {
          out.put(k, r);
        }
      }
      return out.size() >= count;
    });
    return out;
  }
}
