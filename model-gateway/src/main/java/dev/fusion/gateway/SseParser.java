package dev.fusion.gateway;

import java.nio.charset.StandardCharsets;

/**
 * Splits a Server-Sent-Events byte stream into the payloads of its {@code data:} lines. Bytes may
 * arrive cut anywhere, including inside a UTF-8 character, so lines are assembled before they are handed on.
 */
public final class SseParser {
  /** Receives one {@code data:} payload as the bytes {@code buf[from, to)}, valid only during the call. */
  @FunctionalInterface
  public interface DataHandler {
    void onData(byte[] buf, int from, int to);
  }

  private final DataHandler onData;
  private byte[] pending = NOTHING;

  /** Payloads as bytes: a JSON reader takes them as they are, without a string in between. */
  public SseParser(DataHandler onData) {
    this.onData = onData;
  }

  public void feed(byte[] chunk) {
    // Most chunks hold whole lines: only a line cut by the previous chunk needs the two joined.
    byte[] buf = chunk;
    if (pending.length > 0) {
      buf = new byte[pending.length + chunk.length];
      System.arraycopy(pending, 0, buf, 0, pending.length);
      System.arraycopy(chunk, 0, buf, pending.length, chunk.length);
    }
    int start = 0;
    for (int i = 0; i < buf.length; i++) {
      if (buf[i] == '\n') {
        int end = i > start && buf[i - 1] == '\r' ? i - 1 : i;
        line(buf, start, end);
        start = i + 1;
      }
    }
    pending = start == buf.length ? NOTHING : java.util.Arrays.copyOfRange(buf, start, buf.length);
  }

  private static final byte[] NOTHING = new byte[0];
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

  /**
   * One line, {@code buf[from, to)} without its line break; passed on only if it carries data. Comments
   * (": keep-alive"), event:, id: and blank separators carry nothing we need.
   */
  private void line(byte[] buf, int from, int to) {
    if (to - from < DATA.length || !java.util.Arrays.equals(buf, from, from + DATA.length, DATA, 0, DATA.length)) {
      return;
    }
    int data = from + DATA.length;
    if (data < to && buf[data] == ' ') {
      data++;
    }
    onData.onData(buf, data, to);
  }
}
