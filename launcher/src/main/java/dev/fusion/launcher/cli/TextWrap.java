package dev.fusion.launcher.cli;

/**
 * Fits the CLI's text to the terminal: wraps prose at word boundaries (also while it streams in, a
 * chunk at a time) and clips one-line snippets. Widths count code points; a width of 0 or less means no
 * limit.
 */
public final class TextWrap {
  private final int width;
  private final StringBuilder word = new StringBuilder();
  private int column;
  private int spaces;

  public TextWrap(int width) {
    this.width = width;
  }

  /** {@code text} wrapped at word boundaries to {@code width} columns. */
  public static String wrap(String text, int width) {
    TextWrap wrap = new TextWrap(width);
    return wrap.feed(text) + wrap.finish();
  }

  /**
   * Appends a chunk and returns what can be printed now. A word is held back until the whitespace after
   * it arrives (it may still grow past the line's end); {@link #finish()} releases the last one.
   */
  public String feed(String chunk) {
    StringBuilder out = new StringBuilder();
    chunk.codePoints().forEach(c -> {
      if (c == '\n') {
        place(out);
        out.append('\n');
        column = 0;
        spaces = 0;
      } else if (c == '\r') {
        // dropped: a CR would send the cursor back over what is already on the line
      } else if (Character.isWhitespace(c)) {
        place(out);
        spaces += c == '\t' ? 4 : 1;
      } else {
        word.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  /** The word still held back, placed; the wrapper can go on afterwards. */
  public String finish() {
    StringBuilder out = new StringBuilder();
    place(out);
    return out.toString();
  }

  /** Places the pending word: on this line if it fits, else on the next (a word longer than a line is split). */
  private void place(StringBuilder out) {
    if (word.length() == 0) {
      return;
    }
    int length = word.codePointCount(0, word.length());
    if (width <= 0 || column + spaces + length <= width) {
      out.append(" ".repeat(spaces)).append(word);
      column += spaces + length;
    } else {
      if (column > 0) {
        out.append('\n');
      } else if (spaces < width) {
        out.append(" ".repeat(spaces)); // indentation at the start of a line stays
      }
      column = column > 0 || spaces >= width ? 0 : spaces;
      int at = 0;
      while (length - at > width - column) {
        int end = word.offsetByCodePoints(0, at + width - column);
        out.append(word, word.offsetByCodePoints(0, at), end).append('\n');
        at += width - column;
        column = 0;
      }
      out.append(word, word.offsetByCodePoints(0, at), word.length());
      column += length - at;
    }
    word.setLength(0);
    spaces = 0;
  }

  /** {@code s} on one line (whitespace runs collapsed), cut to at most {@code max} code points with "…". */
  public static String clip(String s, int max) {
    String flat = s.replaceAll("\\s+", " ").strip();
    int length = flat.codePointCount(0, flat.length());
    if (max <= 0 || length <= max) {
      return flat;
    }
    return flat.substring(0, flat.offsetByCodePoints(0, Math.max(0, max - 1))) + "…";
  }
}
