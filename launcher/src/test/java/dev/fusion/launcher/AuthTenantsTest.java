package dev.fusion.launcher;

import static dev.fusion.launcher.JobsTestClient.ALICE_KEY;
import static dev.fusion.launcher.JobsTestClient.BOB_KEY;
import static dev.fusion.launcher.JobsTestClient.twoTenantStack;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** API keys map to tenants; every /v1 endpoint needs one; a tenant sees only its own jobs. */
class AuthTenantsTest extends PipelineTestBase {
  @Test
  void everyV1EndpointAnswers401WithoutAValidKeyButHealthAndOpenApiArePublic() throws Exception {
    try (FusionStack stack = twoTenantStack(harness)) {
      JobsTestClient anonymous = new JobsTestClient(stack.httpPort(), null);
      JobsTestClient wrong = new JobsTestClient(stack.httpPort(), "sk-not-a-key");
      String body = PipelineHarness.jobBody("hi", "sim/alpha");
      String someId = "/v1/jobs/job_00000000000000000000000000000000";
      for (JobsTestClient client : new JobsTestClient[] {anonymous, wrong}) {
        assert401(client.post("/v1/jobs", body));
        assert401(client.get("/v1/jobs"));
        assert401(client.get(someId));
        assert401(client.delete(someId));
        assert401(client.get(someId + "/events"));
        assert401(client.get("/v1/anything-else"));
      }
      // Public: health answers (200 once every stage is ready, 503 while one is starting), never 401
      assertThat(anonymous.get("/health").statusCode()).isIn(200, 503);
      assertThat(anonymous.get("/openapi.json").statusCode()).isEqualTo(200);
      // The wrong key is never echoed back
      assertThat(wrong.get("/v1/jobs").body()).doesNotContain("sk-not-a-key");
    }
  }

  @Test
  void aTenantCannotSeeAnotherTenantsJobEventsOrList() throws Exception {
    try (FusionStack stack = twoTenantStack(harness)) {
      JobsTestClient alice = new JobsTestClient(stack.httpPort(), ALICE_KEY);
      JobsTestClient bob = new JobsTestClient(stack.httpPort(), BOB_KEY);
      // Given a job of Alice's that completed
      String id = alice.submit(PipelineHarness.jobBody("Alice's secret question", "sim/alpha", "sim/beta"));
      assertThat(alice.awaitTerminal(id).path("status").asText()).isEqualTo("completed");
      // Then Bob gets a 404 for it, its events and its cancellation, never its content
      for (HttpResponse<String> r : new HttpResponse[] {bob.get("/v1/jobs/" + id), bob.get("/v1/jobs/" + id + "/events"),
          bob.delete("/v1/jobs/" + id)}) {
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(Json.tree(r.body()).path("error").path("code").asText()).isEqualTo("job_not_found");
        assertThat(r.body()).doesNotContain("secret");
      }
      // and his list does not include it, while Alice's does
      assertThat(bob.getJson("/v1/jobs").path("data")).isEmpty();
      assertThat(alice.getJson("/v1/jobs").path("data").get(0).path("id").asText()).isEqualTo(id);
      // and an idempotency key is per tenant: Bob's request with Alice's key is a new job of his
      alice.post("/v1/jobs", PipelineHarness.jobBody("x", "sim/alpha"), "Idempotency-Key", "shared-key");
      HttpResponse<String> bobs = bob.post("/v1/jobs", PipelineHarness.jobBody("y", "sim/alpha"),
          "Idempotency-Key", "shared-key");
      assertThat(bobs.statusCode()).isEqualTo(202);
      assertThat(bob.get("/v1/jobs/" + Json.tree(bobs.body()).path("id").asText()).statusCode()).isEqualTo(200);
    }
  }

  private static void assert401(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.uri() + ": " + r.body()).isEqualTo(401);
    JsonNode error = Json.tree(r.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(r.headers().firstValue("www-authenticate")).contains("Bearer");
  }
}
