package dev.fusion.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReadableTextTest {
  private static ReadableText.Page html(String html, String charset) {
    return ReadableText.extract(html.getBytes(StandardCharsets.UTF_8), "text/html", charset, "https://example.com/");
  }

  @Test
  void theCharsetComesFromTheHeaderOrTheDocument() {
    byte[] latin1 = "<html><head><meta charset=\"iso-8859-1\"><title>Caf\u00e9</title></head><body><p>cr\u00e8me</p></body></html>"
        .getBytes(StandardCharsets.ISO_8859_1);
    ReadableText.Page page = ReadableText.extract(latin1, "text/html", null, "https://example.com/");
    assertThat(page.title()).isEqualTo("Caf\u00e9");
    assertThat(page.text()).isEqualTo("cr\u00e8me");
    assertThat(ReadableText.extract(latin1, "text/html", "ISO-8859-1", "https://example.com/").text())
        .isEqualTo("cr\u00e8me");
    assertThat(ReadableText.extract("caf\u00e9".getBytes(StandardCharsets.UTF_8), "text/plain", "no-such-charset",
        "https://example.com/").text()).as("an unknown charset reads as UTF-8").isEqualTo("caf\u00e9");
  }

  @Test
  void withoutATitleTheFirstHeadingIsTheTitleAndHiddenPartsAreDropped() {
    ReadableText.Page page = html("""
        <body><h1>Heading  one</h1><div hidden>hidden text</div><span aria-hidden="true">icon</span>
        <iframe src="x">frame</iframe><table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>
        <p>line<br>break</p></body>""", "utf-8");
    assertThat(page.title()).isEqualTo("Heading one");
    assertThat(page.text()).isEqualTo("# Heading one\n\na b\nc d\n\nline\nbreak");
  }

  @Test
  void inlineElementsKeepTheirSpacing() {
    assertThat(html("<p>one<b>two</b> three <i>four</i>five</p>", "utf-8").text()).isEqualTo("onetwo three fourfive");
  }

  @Test
  void trimmingNeverSplitsASurrogatePair() {
    String emoji = "ab\uD83D\uDE00cd";
    assertThat(ReadableText.trim(emoji, 3)).isEqualTo("ab");
    assertThat(ReadableText.trim(emoji, 4)).isEqualTo("ab\uD83D\uDE00");
    assertThat(ReadableText.trim("abc", 10)).isEqualTo("abc");
  }

  @Test
  void controlCharactersAndRunsOfWhitespaceCollapse() {
    assertThat(ReadableText.plain("a\u0000b\t\tc\r\n\r\n\r\n\r\nd  e")).isEqualTo("a b c\n\nd e");
  }
}
