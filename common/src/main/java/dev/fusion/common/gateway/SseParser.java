package dev.fusion.common.gateway;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a Server-Sent-Events byte stream into the payloads of its {@code data:} lines. Bytes may
 * arrive cut anywhere, including inside a UTF-8 character, so lines are assembled before decoding.
 */
public final class SseParser {
  private final Consumer<String> onData;
  private byte[] pending = new byte[0];

  public SseParser(Consumer<String> onData) {
    this.onData = onData;
  }

  public void feed(byte[] chunk) {
    byte[] buf = new byte[pending.length + chunk.length];
    System.arraycopy(pending, 0, buf, 0, pending.length);
    System.arraycopy(chunk, 0, buf, pending.length, chunk.length);
    int start = 0;
    for (int i = 0; i < buf.length; i++) {
      if (buf[i] == '\n') {
        int end = i > start && buf[i - 1] == '\r' ? i - 1 : i;
        line(new String(buf, start, end - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    pending = java.util.Arrays.copyOfRange(buf, start, buf.length);
  }

  private void line(String line) {
    if (line.startsWith("data:")) {
      String data = line.substring(5);
      onData.accept(data.startsWith(" ") ? data.substring(1) : data);
    }
    // Comments (": keep-alive"), event:, id: and blank separators carry nothing we need.
  }
}
