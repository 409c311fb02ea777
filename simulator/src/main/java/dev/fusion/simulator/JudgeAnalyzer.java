package dev.fusion.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulated judge: finds the delimited panel answers in the judge prompt and compares their
 * sentences. Answer text is only ever data: it is split and compared, never interpreted.
 */
final class JudgeAnalyzer {

  /** One delimited panel answer. */
  record Block(String label, String content) {}

  private static final Pattern MARKER =
      Pattern.compile("<<<(BEGIN|END) RESPONSE label=\"([^\\r\\n]*?)\">>>");
  private static final String MARKER_START = "<<<";
  private static final int MIN_WORDS = 3;
  private static final int MAX_CONSENSUS = 10;
  private static final int MAX_PARTIAL = 10;
  private static final int MAX_UNIQUE_PER_MODEL = 3;
  private static final int MAX_UNIQUE = 24;

  /** A known stance with both sides normalized once (the judge compares normalized sentences). */
  private record StanceKeys(ClaimBank.Stance stance, String a, String b) {}

  private static final List<StanceKeys> STANCE_KEYS = ClaimBank.STANCES.stream()
      .map(s -> new StanceKeys(s, ClaimBank.normalize(s.a()), ClaimBank.normalize(s.b())))
      .toList();

  private JudgeAnalyzer() {}

  private record Marker(boolean begin, String label, int start, int end) {}

  /**
   * Parses {@code <<<BEGIN RESPONSE label="L">>> … <<<END RESPONSE label="L">>>} blocks. A block
   * ends at the first END marker with its label that is followed by a BEGIN marker or by no marker
   * at all; an END marker followed by more of the same block's text (a fake one inside the answer)
   * is skipped. Markers inside a block's content are content.
   */
  static List<Block> parseBlocks(String text) {
    List<Marker> markers = new ArrayList<>();
    Matcher m = MARKER.matcher(text);
    // The same matches as m.find() in a loop, but the regex runs only where "<<<" starts: the judge
    // prompt is long and markers are few.
    int from = text.indexOf(MARKER_START);
    while (from >= 0) {
      m.region(from, text.length());
      if (m.lookingAt()) {
        markers.add(new Marker(m.group(1).equals("BEGIN"), m.group(2), m.start(), m.end()));
        from = text.indexOf(MARKER_START, m.end());
      } else {
        from = text.indexOf(MARKER_START, from + 1);
      }
    }
    List<Block> blocks = new ArrayList<>();
    int i = 0;
    while (i < markers.size()) {
      Marker begin = markers.get(i);
      if (!begin.begin()) {
        i++;
        continue;
      }
      int chosen = -1;
      int lastSameLabel = -1;
      for (int j = i + 1; j < markers.size(); j++) {
        Marker e = markers.get(j);
        if (e.begin() || !e.label().equals(begin.label())) {
          continue;
        }
        lastSameLabel = j;
        boolean nextIsBeginOrNone = j + 1 >= markers.size() || markers.get(j + 1).begin();
        if (nextIsBeginOrNone) {
          chosen = j;
          break;
        }
      }
      if (chosen < 0) {
        chosen = lastSameLabel;
      }
      if (chosen < 0) {
        i++; // a BEGIN without END: not a block
        continue;
      }
      Marker end = markers.get(chosen);
      blocks.add(new Block(begin.label(), text.substring(begin.end(), end.start()).strip()));
      i = chosen + 1;
    }
    return blocks;
  }

  /**
   * The analysis object with exactly the five schema keys.
   *
   * @param blocks the input's blocks, as {@link #parseBlocks} found them
   */
  static ObjectNode analyze(String judgeInput, List<Block> blocks) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode out = f.objectNode();
    ArrayNode consensus = out.putArray("consensus");
    ArrayNode contradictions = out.putArray("contradictions");
    ArrayNode partial = out.putArray("partial_coverage");
    ArrayNode unique = out.putArray("unique_insights");
    ArrayNode blindSpots = out.putArray("blind_spots");

    if (blocks.isEmpty()) {
      blindSpots.add(ClaimBank.NO_RESPONSES_BLIND_SPOT);
      return out;
    }

    // Distinct labels in order; blocks with the same label count as one model.
    List<String> labels = new ArrayList<>();
    // normalized sentence -> original text (first seen), and the labels that said it
    Map<String, String> original = new LinkedHashMap<>();
    Map<String, Set<String>> saidBy = new HashMap<>();
    for (Block b : blocks) {
      if (!labels.contains(b.label())) {
        labels.add(b.label());
      }
      for (String raw : sentences(b.content())) {
        String s = stripBullet(raw.strip());
        if (Words.count(s) < MIN_WORDS || (s.contains(MARKER_START) && MARKER.matcher(s).find())) {
          continue;
        }
        String key = ClaimBank.normalize(s);
        original.putIfAbsent(key, s);
        saidBy.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(b.label());
      }
    }
    int n = labels.size();

    // Contradictions: the two sides of a known stance, each taken by someone.
    Set<String> used = new HashSet<>();
    for (StanceKeys keys : STANCE_KEYS) {
      ClaimBank.Stance stance = keys.stance();
      String ka = keys.a();
      String kb = keys.b();
      Set<String> sideA = saidBy.get(ka);
      Set<String> sideB = saidBy.get(kb);
      if (sideA == null || sideB == null) {
        continue;
      }
      ObjectNode c = contradictions.addObject();
      c.put("topic", stance.topic());
      ArrayNode stances = c.putArray("stances");
      for (String label : labels) {
        String said = sideA.contains(label) ? ka : sideB.contains(label) ? kb : null;
        if (said != null) {
          stances.addObject().put("model", label).put("stance", original.get(said));
        }
      }
      used.add(ka);
      used.add(kb);
    }

    Map<String, Integer> uniquePerLabel = new HashMap<>();
    for (Map.Entry<String, String> e : original.entrySet()) {
      String key = e.getKey();
      if (used.contains(key)) {
        continue;
      }
      Set<String> by = saidBy.get(key);
      int count = by.size();
      if (n >= 2 && count >= 2 && (count == n || count * 4 >= n * 3)) {
        if (consensus.size() < MAX_CONSENSUS) {
          consensus.add(e.getValue());
        }
      } else if (count >= 2) {
        if (partial.size() < MAX_PARTIAL) {
          ObjectNode p = partial.addObject();
          p.put("point", e.getValue());
          ArrayNode models = p.putArray("models");
          for (String label : labels) {
            if (by.contains(label)) {
              models.add(label);
            }
          }
        }
      } else {
        String label = by.iterator().next();
        int have = uniquePerLabel.getOrDefault(label, 0);
        if (have < MAX_UNIQUE_PER_MODEL && unique.size() < MAX_UNIQUE) {
          uniquePerLabel.put(label, have + 1);
          unique.addObject().put("model", label).put("insight", e.getValue());
        }
      }
    }

    long h = Seeds.hash64("judge\u0000" + judgeInput);
    int first = (int) Math.floorMod(h, (long) ClaimBank.BLIND_SPOTS.size());
    blindSpots.add(ClaimBank.BLIND_SPOTS.get(first));
    if (((h >>> 32) & 1) == 1) {
      blindSpots.add(ClaimBank.BLIND_SPOTS.get((first + 1) % ClaimBank.BLIND_SPOTS.size()));
    }
    return out;
  }

  /**
   * The text split where the regex {@code (?<=[.!?])\s+|[\r\n]+} matches (white space after sentence
   * punctuation, or a line break), written out because it runs on every sentence of every judge call.
   * Empty pieces may appear; the caller skips anything shorter than a claim.
   */
  static List<String> sentences(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      int end = i;
      if (Words.isSpace(c) && i > 0 && ".!?".indexOf(text.charAt(i - 1)) >= 0) {
        while (end < n && Words.isSpace(text.charAt(end))) {
          end++;
        }
      } else if (c == '\r' || c == '\n') {
        while (end < n && (text.charAt(end) == '\r' || text.charAt(end) == '\n')) {
          end++;
        }
      }
      if (end > i) {
        out.add(text.substring(start, i));
        start = end;
        i = end;
      } else {
        i++;
      }
    }
    out.add(text.substring(start));
    return out;
  }

  private static String stripBullet(String s) {
    int i = 0;
    while (i < s.length() && "-*•#> ".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    return s.substring(i);
  }
}
