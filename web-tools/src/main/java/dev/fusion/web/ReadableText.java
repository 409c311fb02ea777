package dev.fusion.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * A fetched body as text a model can read: HTML without its scripts, styles, navigation, headers, footers,
 * forms and embedded frames, with headings ("# "), paragraphs and list items ("- ") on their own lines and
 * whitespace collapsed; other text types decoded as they are. Blocking work (parsing): callers run it off the
 * event loop.
 */
final class ReadableText {
  /** Elements whose content is never the page's text. */
  static final String DROPPED = "script, style, nav, header, footer, noscript, svg, iframe, form, template, "
      + "object, embed, canvas, dialog, [hidden], [aria-hidden=true]";
  /** Blocks set apart by an empty line. */
  private static final Set<String> PARAGRAPHS = Set.of("p", "section", "article", "main", "aside", "blockquote",
      "pre", "table", "ul", "ol", "dl", "figure", "address", "details", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
      "body");
  /** Blocks on their own line. */
  private static final Set<String> LINES = Set.of("div", "tr", "dt", "dd", "figcaption", "summary", "br", "li",
      "caption");

  /** The title (may be empty) and the text of a page. */
  record Page(String title, String text) {}

  private ReadableText() {}

  static Page extract(byte[] body, String mimeType, String charset, String baseUrl) {
    if (isHtml(mimeType)) {
      return html(body, charset, baseUrl);
    }
    String text = new String(body, charsetOr(charset, StandardCharsets.UTF_8));
    return new Page("", plain(text));
  }

  static boolean isHtml(String mimeType) {
    return mimeType.equals("text/html") || mimeType.equals("application/xhtml+xml");
  }

  private static Page html(byte[] body, String charset, String baseUrl) {
    Document doc;
    try {
      // A null charset lets jsoup find it (BOM, <meta charset>), falling back to UTF-8.
      Charset declared = charsetOr(charset, null);
      doc = Jsoup.parse(new ByteArrayInputStream(body), declared == null ? null : declared.name(), baseUrl);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String title = collapse(doc.title());
    if (title.isEmpty()) {
      Element h1 = doc.selectFirst("h1");
      title = h1 == null ? "" : collapse(h1.text());
    }
    doc.select(DROPPED).remove();
    StringBuilder out = new StringBuilder();
    NodeTraversor.traverse(new TextWalker(out), doc.body());
    return new Page(title, tidyLines(out.toString()));
  }

  /** Writes text nodes with collapsed spaces, and block elements as line breaks with a marker for headings and items. */
  private static final class TextWalker implements NodeVisitor {
    private final StringBuilder out;

    TextWalker(StringBuilder out) {
      this.out = out;
    }

    @Override
    public void head(Node node, int depth) {
      if (node instanceof TextNode t) {
        String text = collapse(t.getWholeText());
        if (!text.isEmpty()) {
          char last = out.isEmpty() ? '\n' : out.charAt(out.length() - 1);
          boolean leadingSpace = Character.isWhitespace(t.getWholeText().charAt(0));
          if (last != '\n' && last != ' ' && leadingSpace) {
            out.append(' ');
          }
          out.append(text);
          if (Character.isWhitespace(t.getWholeText().charAt(t.getWholeText().length() - 1))) {
            out.append(' ');
          }
        }
      } else if (node instanceof Element e) {
        String tag = e.normalName();
        if (PARAGRAPHS.contains(tag) || LINES.contains(tag)) {
          breakLines(PARAGRAPHS.contains(tag) ? 2 : 1);
          if (tag.length() == 2 && tag.charAt(0) == 'h' && Character.isDigit(tag.charAt(1))) {
            out.append("#".repeat(tag.charAt(1) - '0')).append(' ');
          } else if (tag.equals("li")) {
            out.append("- ");
          }
        } else if (tag.equals("td") || tag.equals("th")) {
          out.append(' ');
        }
      }
    }

    @Override
    public void tail(Node node, int depth) {
      if (node instanceof Element e) {
        if (PARAGRAPHS.contains(e.normalName())) {
          breakLines(2);
        } else if (LINES.contains(e.normalName())) {
          breakLines(1);
        }
      }
    }

    /** Ends the text so far with {@code count} line breaks (1: a new line, 2: an empty line), not more. */
    private void breakLines(int count) {
      int trailing = 0;
      while (trailing < out.length() && trailing < count && out.charAt(out.length() - 1 - trailing) == '\n') {
        trailing++;
      }
      out.append("\n".repeat(count - trailing));
    }
  }

  /** Plain text: control characters out, runs of spaces to one, at most one empty line in a row. */
  static String plain(String text) {
    return tidyLines(text.replace("\r\n", "\n").replace('\r', '\n'));
  }

  private static String tidyLines(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int blankRun = 0;
    for (String line : text.split("\n", -1)) {
      String l = collapse(line);
      if (l.isEmpty() || l.equals("-")) {
        blankRun++;
        continue;
      }
      if (!out.isEmpty()) {
        out.append(blankRun > 0 ? "\n\n" : "\n");
      }
      out.append(l);
      blankRun = 0;
    }
    return out.toString();
  }

  /** Whitespace and control characters to single spaces, trimmed. */
  static String collapse(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean space = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '\u00a0' || c == '\u200b') {
        space = !out.isEmpty();
      } else {
        if (space) {
          out.append(' ');
          space = false;
        }
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The first {@code maxChars} characters of {@code text}, never splitting a surrogate pair. */
  static String trim(String text, int maxChars) {
    if (text.length() <= maxChars) {
      return text;
    }
    int end = maxChars;
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  private static Charset charsetOr(String name, Charset fallback) {
    if (name == null || name.isBlank()) {
      return fallback;
    }
    try {
      return Charset.forName(name.trim().replace("\"", ""));
    } catch (IllegalArgumentException e) {
      return fallback;
    }
  }
}
