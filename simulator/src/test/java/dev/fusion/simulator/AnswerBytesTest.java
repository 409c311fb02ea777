package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code answer_bytes=N}: a plain answer of exactly N UTF-8 bytes, streamed or not, for size limits. */
class AnswerBytesTest extends SimulatorTestBase {
  private static final String PROMPT = "Should a small team adopt Kafka?";

  @Test
  void aPlainAnswerHasExactlyTheAskedSize() {
    String natural = answer("sim/alpha", PROMPT);
    String sized = answer("sim/alpha;answer_bytes=200000", PROMPT);
    assertThat(sized.getBytes(StandardCharsets.UTF_8)).hasSize(200_000);
    assertThat(sized).startsWith(natural); // the natural answer, repeated
    assertThat(answer("sim/alpha;answer_bytes=10", PROMPT).getBytes(StandardCharsets.UTF_8)).hasSize(10);
  }

  @Test
  void aStreamedAnswerHasTheSameSize() {
    HttpResponse<Buffer> r = chat(streamBody("sim/alpha;answer_bytes=70000", PROMPT));
    assertThat(r.statusCode()).isEqualTo(200);
    String streamed = streamedContent(sseData(r.bodyAsString()));
    assertThat(streamed.getBytes(StandardCharsets.UTF_8)).hasSize(70_000);
  }

  @Test
  void aNegativeSizeIsRejected() {
    assertThat(chat(chatBody("sim/alpha;answer_bytes=-1", PROMPT)).statusCode()).isEqualTo(400);
  }
}
