package dev.fusion.common.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  @Test
  void assemblesDataLinesCutAnywhereIncludingInsideAUtf8Character() {
    List<String> data = new ArrayList<>();
    SseParser parser = new SseParser(data::add);
    byte[] stream = ": keep-alive\n\ndata: {\"x\":\"héllo\"}\r\n\ndata:[DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    // Feed one byte at a time: the worst possible chunking.
    for (byte b : stream) {
      parser.feed(new byte[] {b});
    }
    assertThat(data).containsExactly("{\"x\":\"héllo\"}", "[DONE]");
  }
}
