package dev.fusion.simulator;

/**
 * Words of a text, split on the characters {@code \s} matches in a Java regular expression, without a
 * regular expression: the simulator runs this on every model call, inside the JVM being measured.
 */
final class Words {
  private Words() {}

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }

  /** How many runs of non-space characters the text holds. */
  static int count(String text) {
    int n = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      boolean space = isSpace(text.charAt(i));
      if (!space && !inWord) {
        n++;
      }
      inWord = !space;
    }
    return n;
  }

  /** The text with every run of spaces replaced by one {@code ' '}. */
  static String singleSpaced(String text) {
    return singleSpaced(text, 0, text.length(), false).toString();
  }

  /**
   * {@code text[from, to)} with every run of spaces replaced by one {@code ' '}, and A–Z lower-cased
   * when {@code lowerAscii} (only right for ASCII text, where it equals the general lower case).
   */
  static StringBuilder singleSpaced(String text, int from, int to, boolean lowerAscii) {
    StringBuilder sb = new StringBuilder(to - from);
    boolean inSpace = false;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (isSpace(c)) {
        if (!inSpace) {
          sb.append(' ');
        }
        inSpace = true;
      } else {
        sb.append(lowerAscii && c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        inSpace = false;
      }
    }
    return sb;
  }
}
