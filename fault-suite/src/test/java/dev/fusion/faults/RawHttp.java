package dev.fusion.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A deliberately dumb HTTP/1.1 client over a socket: sends exactly the bytes it is given (bad UTF-8,
 * huge headers, broken request lines) and reads whatever comes back until the server closes.
 */
final class RawHttp {
  private RawHttp() {}

  /** A response: status (0 = none), and the body (de-chunked). */
  record Response(int status, String body) {}

  static Response send(int port, String method, String target, String headers, byte[] body) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      StringBuilder head = new StringBuilder()
          .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
          .append("Host: 127.0.0.1\r\nConnection: close\r\n").append(headers);
      if (body != null) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("\r\n");
      try {
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
          out.write(body);
        }
        out.flush();
        socket.shutdownOutput();
      } catch (IOException e) {
        // The server may answer (413, 431) and close before reading everything: read what it said.
      }
      return parse(readAll(socket.getInputStream()));
    } catch (IOException e) {
      return new Response(0, e.toString());
    }
  }

  private static byte[] readAll(InputStream in) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try {
      int n;
      while ((n = in.read(chunk)) > 0 && buf.size() < 4 * 1024 * 1024) {
        buf.write(chunk, 0, n);
      }
    } catch (IOException e) {
      // a reset after the response: keep what arrived
    }
    return buf.toByteArray();
  }

  private static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || end < 0) {
      return new Response(0, text.length() > 200 ? text.substring(0, 200) : text);
    }
    int status = Integer.parseInt(text.substring(9, 12));
    String head = text.substring(0, end).toLowerCase();
    String body = text.substring(end + 4);
    if (head.contains("transfer-encoding: chunked")) {
      body = dechunk(body);
    }
    return new Response(status, body);
  }

  private static String dechunk(String body) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < body.length()) {
      int lineEnd = body.indexOf("\r\n", i);
      if (lineEnd < 0) {
        break;
      }
      int size = Integer.parseInt(body.substring(i, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(body, lineEnd + 2, Math.min(body.length(), lineEnd + 2 + size));
      i = lineEnd + 2 + size + 2;
    }
    return out.toString();
  }
}
