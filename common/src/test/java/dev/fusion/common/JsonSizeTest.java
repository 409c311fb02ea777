package dev.fusion.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonSizeTest {

  @Test
  void everyCharCountsWhatTheSharedMapperWrites() {
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      String s = String.valueOf((char) c);
      assertThat(JsonSize.string(s)).as("char U+%04X", c).isEqualTo(Json.toBytes(s).length);
    }
  }

  @Test
  void stringsCountAsWrittenIncludingPairsAndEscapes() {
    String mixed = "a\"b\\c\n\u0001界😀\u007f\u00e9" + "界".repeat(1000);
    assertThat(JsonSize.string(mixed)).isEqualTo(Json.toBytes(mixed).length);
    assertThat(JsonSize.string(null)).isEqualTo(Json.toBytes(null).length);
  }

  @Test
  void fitKeepsWhatFitsAndMarksTheCut() {
    assertThat(JsonSize.fit("short", 100, "[cut]")).isEqualTo("short");
    String big = "界".repeat(100); // 302 bytes as JSON
    String cut = JsonSize.fit(big, 50, "[cut]");
    assertThat(cut).endsWith("[cut]").startsWith("界");
    assertThat(Json.toBytes(cut).length).isLessThanOrEqualTo(50);
    // As many whole chars as fit: one more would not.
    assertThat(Json.toBytes(cut.replace("[cut]", "界[cut]")).length).isGreaterThan(50);
  }

  @Test
  void aCutNeverSplitsASurrogatePair() {
    String emoji = "😀".repeat(10); // 12 bytes per pair as Jackson writes it
    String cut = JsonSize.fit(emoji, 2 + 18 + 1, "!");
    assertThat(cut).isEqualTo("😀!");
    assertThat(new String(cut.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(cut);
  }

  @Test
  void nodeIsAnUpperBoundOfTheWrittenTree() {
    ObjectNode n = Json.object().put("effort", "high\n").put("max_tokens", 123456789012L).put("exclude", true);
    n.putArray("x").add(1.25e-300).add("界");
    n.putNull("gone");
    assertThat(JsonSize.node(n)).isGreaterThanOrEqualTo(Json.toBytes(n).length);
  }
}
