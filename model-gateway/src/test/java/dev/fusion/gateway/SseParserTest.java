package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  @Test
  void assemblesDataLinesCutAnywhereIncludingInsideAUtf8Character() {
    List<String> data = new ArrayList<>();
    SseParser parser = new SseParser((buf, from, to) -> data.add(new String(buf, from, to - from, StandardCharsets.UTF_8)));
    byte[] stream = ": keep-alive\n\ndata: {\"x\":\"héllo\"}\r\n\ndata:[DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    // Feed one byte at a time: the worst possible chunking.
    for (byte b : stream) {
      parser.feed(new byte[] {b});
    }
    assertThat(data).containsExactly("{\"x\":\"héllo\"}", "[DONE]");
  }

  @Test
  void handsPayloadsOnAsBytesThatTheStreamAccumulatorReadsAsTheyAre() {
    StreamAccumulator acc = new StreamAccumulator();
    List<String> deltas = new ArrayList<>();
    List<Boolean> done = new ArrayList<>();
    SseParser parser = new SseParser((buf, from, to) -> {
      if (CompletionStream.isDone(buf, from, to)) {
        done.add(true);
      } else {
        deltas.add(acc.accept(buf, from, to));
      }
    });
    byte[] stream = ("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Grüß \"}}]}\n\n"
        + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"dich\"},\"finish_reason\":\"stop\"}]}\n\n"
        + "data:  [DONE] \r\n\n").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < stream.length; i += 7) { // cut inside the multi-byte characters too
      parser.feed(java.util.Arrays.copyOfRange(stream, i, Math.min(stream.length, i + 7)));
    }
    assertThat(deltas).containsExactly("Grüß ", "dich");
    assertThat(acc.content()).isEqualTo("Grüß dich");
    assertThat(done).containsExactly(true);
  }

  @Test
  void onlyTheDoneMarkerIsDone() {
    for (String payload : List.of("[DONE]", " [DONE]\t", "\u00a0[DONE]", "[DONE]x", "{}", "", "[DON")) {
      byte[] b = ("x" + payload + "y").getBytes(StandardCharsets.UTF_8);
      assertThat(CompletionStream.isDone(b, 1, b.length - 1)).as(payload).isEqualTo(payload.trim().equals("[DONE]"));
    }
  }
}
