package dev.fusion.common;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * How many bytes text takes once {@link Json#MAPPER} writes it: UTF-8, with JSON escapes. Counted char by
 * char without writing anything, so a size check on the request path costs one pass over the text and no
 * allocation. The counts are Jackson's (checked for every char in the tests): a quote, a backslash,
 * backspace, tab, newline, form feed and carriage return take 2 bytes; other control characters 6 (a
 * backslash-u escape); each half of a surrogate pair 6 (Jackson escapes them); other chars their UTF-8
 * length.
 */
public final class JsonSize {
  private static final byte[] ASCII = new byte[128];

  static {
    for (int c = 0; c < 128; c++) {
      ASCII[c] = (byte) (c < 0x20 ? 6 : 1);
    }
    for (char c : new char[] {'\b', '\t', '\n', '\f', '\r', '"', '\\'}) {
      ASCII[c] = 2;
    }
  }

  private JsonSize() {}

  /** Bytes of one char inside a JSON string. */
  public static int charBytes(char c) {
    if (c < 0x80) {
      return ASCII[c];
    }
    if (c < 0x800) {
      return 2;
    }
    return Character.isSurrogate(c) ? 6 : 3;
  }

  /** Bytes of {@code s} as a JSON string value, quotes included ({@code null} is 4). */
  public static long string(CharSequence s) {
    return s == null ? 4 : 2 + content(s);
  }

  /** Bytes of {@code s} inside a JSON string, without the quotes. */
  public static long content(CharSequence s) {
    long bytes = 0;
    for (int i = 0, n = s.length(); i < n; i++) {
      bytes += charBytes(s.charAt(i));
    }
    return bytes;
  }

  /** The length (in chars) of the longest prefix of {@code s} whose content takes at most {@code maxBytes}. */
  public static int prefixWithin(CharSequence s, long maxBytes) {
    long bytes = 0;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      bytes += charBytes(s.charAt(i));
      if (bytes > maxBytes) {
        // Never keep half a surrogate pair.
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1)) ? i - 1 : i;
      }
    }
    return n;
  }

  /**
   * {@code s} if it takes at most {@code maxBytes} as a JSON string value; otherwise its longest prefix that
   * fits together with {@code marker}, followed by the marker. Null stays null.
   */
  public static String fit(String s, long maxBytes, String marker) {
    if (s == null || string(s) <= maxBytes) {
      return s;
    }
    long room = Math.max(0, maxBytes - 2 - content(marker));
    return s.substring(0, prefixWithin(s, room)) + marker;
  }

  /**
   * An upper bound of a JSON tree's size as written: strings and field names exactly, numbers and literals
   * at their longest. For the small free-form objects a request may carry (reasoning settings).
   */
  public static long node(JsonNode node) {
    if (node == null || node.isNull()) {
      return 4;
    }
    if (node.isTextual()) {
      return string(node.textValue());
    }
    if (node.isObject()) {
      long bytes = 2;
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        bytes += string(e.getKey()) + 2 + node(e.getValue()); // colon and comma
      }
      return bytes;
    }
    if (node.isArray()) {
      long bytes = 2;
      for (JsonNode item : node) {
        bytes += node(item) + 1;
      }
      return bytes;
    }
    if (node.isNumber()) {
      // A long or a double is at most 24 characters; big numbers are as long as their digits.
      return Math.max(24, node.asText().length());
    }
    return 5; // true, false
  }
}
