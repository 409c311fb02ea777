package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code echo=true}: a plain answer is the last user message verbatim, markup included (hostile-answer tests). */
class EchoTest extends SimulatorTestBase {
  private static final String HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> **bold**";

  @Test
  void anEchoingModelAnswersWithTheLastUserMessageVerbatim() {
    assertThat(answer("sim/alpha;echo=true", HOSTILE)).isEqualTo(HOSTILE);
    // without the option the generated answer, which never carries the prompt's markup
    assertThat(answer("sim/alpha;echo=false", HOSTILE)).doesNotContain("<script>");
  }

  @Test
  void aValueOtherThanTrueOrFalseIsRejected() {
    assertThat(chat(chatBody("sim/alpha;echo=yes", HOSTILE)).statusCode()).isEqualTo(400);
  }
}
