package dev.fusion.ingress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.Json;
import org.junit.jupiter.api.Test;

class IdempotencyTest {
  @Test
  void theRequestHashIgnoresKeyOrderAndWhitespaceButNotValues() {
    String a = Idempotency.requestHash(Json.tree("{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"z\"}}"));
    String b = Idempotency.requestHash(Json.tree("{ \"b\": {\"y\": \"z\", \"x\": [1, 2]},\n \"a\": 1 }"));
    String c = Idempotency.requestHash(Json.tree("{\"a\":1,\"b\":{\"x\":[2,1],\"y\":\"z\"}}"));
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }
}
