package dev.fusion.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests an HTTP client refuses to send (malformed request lines,
 * huge headers and URLs, bytes that are not UTF-8). One request per connection: the response is read
 * until the server closes the connection or its Content-Length is complete.
 */
public final class RawHttp {
  /** A read that waits this long is a hang, reported as a failure rather than waited out. */
  private static final int READ_TIMEOUT_MS = 30_000;

  private RawHttp() {}

  /** A parsed response; {@code status} is -1 when the server closed the connection without answering. */
  public record Response(int status, Map<String, String> headers, byte[] body, boolean closedByServer) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + bodyText();
    }
  }

  /** Sends a request head (everything up to and including the blank line) and an optional body. */
  public static Response exchange(int port, byte[] head, byte[] body) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(READ_TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(head);
        if (body != null) {
          out.write(body);
        }
        out.flush();
      } catch (SocketException e) {
        // The server may answer (and close) before reading everything we send, e.g. a 431 on the
        // headers or a 413 on a long body: what it answered is still there to read.
      }
      return read(socket.getInputStream());
    }
  }

  /** {@code METHOD target HTTP/1.1}, the given header lines, {@code Connection: close} and a body. */
  public static Response request(int port, String method, String target, byte[] body, String... headerLines)
      throws IOException {
    return exchange(port, head(method, target, body, headerLines), body);
  }

  public static byte[] head(String method, String target, byte[] body, String... headerLines) {
    StringBuilder sb = new StringBuilder().append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\nConnection: close\r\n");
    for (String line : headerLines) {
      sb.append(line).append("\r\n");
    }
    if (body != null) {
      sb.append("Content-Length: ").append(body.length).append("\r\n");
    }
    // ISO-8859-1 keeps each char as one byte, so a target may carry any byte (bad UTF-8 included).
    return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    int headEnd = -1;
    int contentLength = -1;
    Map<String, String> headers = new LinkedHashMap<>();
    int status = -1;
    while (true) {
      int n;
      try {
        n = in.read(chunk);
      } catch (SocketException e) {
        n = -1; // reset by the server: whatever arrived before is the answer
      }
      if (n < 0) {
        break;
      }
      buf.write(chunk, 0, n);
      byte[] bytes = buf.toByteArray();
      if (headEnd < 0) {
        headEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (headEnd >= 0) {
          String[] lines = new String(bytes, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n");
          String[] statusLine = lines[0].split(" ", 3);
          status = Integer.parseInt(statusLine[1]);
          for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
          }
          String length = headers.get("content-length");
          contentLength = length == null ? -1 : Integer.parseInt(length);
        }
      }
      if (headEnd >= 0 && contentLength >= 0 && bytes.length >= headEnd + 4 + contentLength) {
        break;
      }
    }
    byte[] bytes = buf.toByteArray();
    if (headEnd < 0) {
      return new Response(-1, Map.of(), bytes, true);
    }
    int from = headEnd + 4;
    int to = contentLength >= 0 ? Math.min(bytes.length, from + contentLength) : bytes.length;
    byte[] body = java.util.Arrays.copyOfRange(bytes, from, to);
    return new Response(status, headers, body, contentLength < 0);
  }

  /** Where {@code needle} first stands in {@code haystack}, or -1. */
  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
