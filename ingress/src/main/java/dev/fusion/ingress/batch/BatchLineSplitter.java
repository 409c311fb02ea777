package dev.fusion.ingress.batch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a byte stream arriving in arbitrary chunks into lines (LF or CRLF), holding at most one line
 * in memory. A line longer than the limit is reported as {@code null} once (and its bytes dropped) so
 * the caller can reject it by number without buffering it.
 */
public final class BatchLineSplitter {
  private final int maxLineBytes;
  private final Consumer<String> onLine;
  private final ByteArrayOutputStream current = new ByteArrayOutputStream();
  private boolean overlong;

  public BatchLineSplitter(int maxLineBytes, Consumer<String> onLine) {
    this.maxLineBytes = maxLineBytes;
    this.onLine = onLine;
  }

  public void feed(byte[] bytes) {
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        append(bytes, start, i - start);
        emit();
        start = i + 1;
      }
    }
    append(bytes, start, bytes.length - start);
  }

  /** The end of the stream: a last line without a terminator still counts. */
  public void finish() {
    if (current.size() > 0 || overlong) {
      emit();
    }
  }

  private void append(byte[] bytes, int from, int length) {
    if (overlong || length == 0) {
      return;
    }
    if (current.size() + length > maxLineBytes) {
      overlong = true;
      current.reset();
      return;
    }
    current.write(bytes, from, length);
  }

  private void emit() {
    if (overlong) {
      overlong = false;
      onLine.accept(null);
      return;
    }
    byte[] line = current.toByteArray();
    current.reset();
    int n = line.length;
    if (n > 0 && line[n - 1] == '\r') {
      n--;
    }
    onLine.accept(new String(line, 0, n, StandardCharsets.UTF_8));
  }
}
