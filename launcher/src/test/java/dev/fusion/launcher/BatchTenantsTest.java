package dev.fusion.launcher;

import static dev.fusion.launcher.JobsTestClient.ALICE_KEY;
import static dev.fusion.launcher.JobsTestClient.BOB_KEY;
import static dev.fusion.launcher.JobsTestClient.twoTenantStack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Batches belong to the tenant of the API key that uploaded them; the upload needs a key like every /v1 route. */
class BatchTenantsTest extends PipelineTestBase {
  @Test
  void aTenantSeesOnlyItsOwnBatchesAndTheCliSendsItsKey() throws Exception {
    try (FusionStack stack = twoTenantStack(harness)) {
      JobsTestClient anonymous = new JobsTestClient(stack.httpPort(), null);
      JobsTestClient alice = new JobsTestClient(stack.httpPort(), ALICE_KEY);
      JobsTestClient bob = new JobsTestClient(stack.httpPort(), BOB_KEY);
      String lines = "{\"custom_id\":\"a1\",\"prompt\":\"one\"}\n{\"custom_id\":\"a2\",\"prompt\":\"two\"}\n";

      // The streamed upload is behind authentication too
      assertThat(anonymous.post("/v1/batches", lines).statusCode()).isEqualTo(401);
      assertThat(anonymous.get("/v1/batches").statusCode()).isEqualTo(401);

      var uploaded = alice.post("/v1/batches?analysis_models=sim/alpha", lines);
      assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
      String id = Json.tree(uploaded.body()).path("id").asText();
      await().atMost(Duration.ofMinutes(1)).until(() ->
          Json.tree(alice.get("/v1/batches/" + id).body()).path("status").asText().equals("completed"));

      // Bob cannot tell it exists
      assertThat(bob.get("/v1/batches/" + id).statusCode()).isEqualTo(404);
      assertThat(bob.get("/v1/batches/" + id + "/results").statusCode()).isEqualTo(404);
      assertThat(bob.post("/v1/batches/" + id + "/cancel", "").statusCode()).isEqualTo(404);
      assertThat(Json.tree(bob.get("/v1/batches").body()).path("data")).isEmpty();
      JsonNode aliceList = Json.tree(alice.get("/v1/batches").body()).path("data");
      assertThat(aliceList).hasSize(1);
      assertThat(aliceList.get(0).path("id").asText()).isEqualTo(id);
      // And the jobs the batch ran are Alice's
      String jobId = dev.fusion.common.contract.BatchItem.jobId(id, 1);
      assertThat(alice.get("/v1/jobs/" + jobId).statusCode()).isEqualTo(200);
      assertThat(bob.get("/v1/jobs/" + jobId).statusCode()).isEqualTo(404);

      // The CLI: without a key it fails with the server's 401 and never prints a key; with one it runs
      BatchCli cli = BatchCli.against(stack, lines, "sim/alpha");
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(cli.run(err)).isEqualTo(1);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("HTTP 401");
      ByteArrayOutputStream ok = new ByteArrayOutputStream();
      assertThat(cli.run(ok, "--api-key", BOB_KEY)).as(ok.toString(StandardCharsets.UTF_8)).isZero();
      assertThat(ok.toString(StandardCharsets.UTF_8)).doesNotContain(BOB_KEY);
      assertThat(Files.readAllLines(cli.output())).hasSize(2);
      assertThat(Json.tree(bob.get("/v1/batches").body()).path("data")).hasSize(1);
    }
  }
}
