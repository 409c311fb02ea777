package dev.fusion.simulator;

import java.util.List;
import java.util.Locale;

/**
 * The sentences simulated answers are built from. {@code {t}} is replaced by the prompt topic.
 * Sentences must not contain {@code . ! ?} followed by a space, so the judge splits them cleanly.
 */
final class ClaimBank {

  private ClaimBank() {}

  /** Claims every model makes for a given prompt (agreement). */
  static final List<String> CONSENSUS =
      List.of(
          "Any good answer to {t} has to start from the concrete goals and constraints of the"
              + " people involved.",
          "The evidence on {t} is mixed, so claims of a single universally correct answer deserve"
              + " some skepticism.",
          "Small and reversible experiments are the safest way to test assumptions about {t}"
              + " before committing fully.",
          "Cost, time and risk all matter for {t}, and optimizing only one of them usually"
              + " backfires.",
          "Clear measurements agreed in advance make it much easier to judge whether a choice"
              + " about {t} worked.",
          "Context matters a great deal for {t}, because what works well in one setting can fail"
              + " badly in another.",
          "Informed opinion on {t} has shifted over the last decade as better data became"
              + " available.",
          "The people most affected by {t} should be consulted early rather than informed after"
              + " the fact.");

  /** Claims some models make and others omit (partial coverage). */
  static final List<String> PARTIAL =
      List.of(
          "Long-term maintenance costs are often underestimated when people first look at {t}.",
          "Regulation and compliance requirements can change the practical answer to {t}"
              + " considerably.",
          "Community and ecosystem support is a practical factor for {t} that is easy to"
              + " overlook.",
          "Security and privacy implications deserve explicit attention in any decision about"
              + " {t}.",
          "Training and onboarding effort is a hidden cost that shapes how {t} plays out in"
              + " practice.",
          "Historical precedent offers useful lessons for {t}, even if the circumstances are not"
              + " identical.",
          "Scalability becomes the dominant concern for {t} once usage grows beyond an initial"
              + " pilot.",
          "Environmental impact is increasingly part of the discussion around {t}.");

  /** Opposing stances: each model takes one side (contradictions). Topic-free on purpose. */
  record Stance(String topic, String a, String b) {}

  static final List<Stance> STANCES =
      List.of(
          new Stance(
              "Overall balance of benefits and drawbacks",
              "On balance, the benefits clearly outweigh the drawbacks for most people.",
              "On balance, the drawbacks outweigh the benefits for most people."),
          new Stance(
              "Speed of adoption",
              "The best strategy is to move quickly and iterate, because waiting has its own"
                  + " costs.",
              "The best strategy is to move slowly and wait for more evidence before"
                  + " committing."),
          new Stance(
              "Importance of cost",
              "Cost is the single most important factor in this decision.",
              "Cost is a secondary factor compared to quality and long-term fit."),
          new Stance(
              "Centralized versus decentralized approach",
              "A centralized approach gives the most consistent results here.",
              "A decentralized approach gives the most resilient results here."),
          new Stance(
              "Need for specialist expertise",
              "Specialist expertise is essential to get this right.",
              "A generalist approach works well enough for most practical purposes."),
          new Stance(
              "Short-term versus long-term priorities",
              "Short-term gains should take priority here, since conditions change quickly.",
              "Long-term sustainability should take priority over short-term gains."));

  /** Claims one model makes alone (unique insights). */
  static final List<String> UNIQUE =
      List.of(
          "A useful but rarely mentioned angle on {t} is how the decision looks from the"
              + " perspective of a newcomer.",
          "Second-order effects, such as changed incentives, may end up mattering more for {t}"
              + " than the direct effects.",
          "Writing down the reasons for a decision about {t} makes it far easier to revisit"
              + " later.",
          "Comparing {t} against doing nothing at all is a baseline that many analyses forget.",
          "Cultural and organizational habits can quietly determine the outcome of {t}"
              + " regardless of the technical merits.",
          "A pre-mortem that imagines the choice about {t} failed and asks why surfaces risks"
              + " early.",
          "Public sentiment around {t} can shift quickly, so plans should include a way to"
              + " respond to feedback.",
          "The availability of skilled people is a bottleneck for {t} that budgets alone do not"
              + " solve.",
          "Data quality problems can undermine any conclusion about {t}, so it is worth auditing"
              + " the inputs first.",
          "Interoperability with existing tools and processes often decides {t} in practice.",
          "Seasonal and cyclical patterns may distort short observations related to {t}.",
          "Ethical considerations around {t} deserve a dedicated review rather than a footnote.",
          "Open standards reduce lock-in risk for {t} and keep future options available.",
          "An incremental rollout with a clear rollback plan limits the downside of {t}.",
          "Geographic differences can make the answer to {t} vary from one region to another.",
          "Psychological factors such as loss aversion often bias how people judge {t}.");

  /** Generic gaps the simulated judge reports. */
  static final List<String> BLIND_SPOTS =
      List.of(
          "None of the responses cites concrete data or sources for its claims.",
          "None of the responses explains how the recommendation should be monitored after it is"
              + " adopted.",
          "The responses do not address how the answer changes at very small or very large"
              + " scales.",
          "No response considers the perspective of the people who would be negatively"
              + " affected.",
          "None of the responses estimates the time needed to see results.");

  static final String NO_RESPONSES_BLIND_SPOT =
      "No panel responses were provided, so nothing could be compared.";

  /** Lower-case, single-spaced, without trailing punctuation: how the judge compares sentences. */
  static String normalize(String sentence) {
    String ascii = normalizeAscii(sentence);
    if (ascii != null) {
      return ascii;
    }
    String s = Words.singleSpaced(sentence.strip().toLowerCase(Locale.ROOT));
    return withoutTrailingPunctuation(s, s.length());
  }

  /**
   * The same in one pass, for the sentences of every judge call (all ASCII in simulated answers); null
   * for text with other characters, whose lower case and white space need the general rules.
   */
  private static String normalizeAscii(String sentence) {
    int from = 0;
    int to = sentence.length();
    while (from < to && Character.isWhitespace(sentence.charAt(from))) {
      from++;
    }
    while (to > from && Character.isWhitespace(sentence.charAt(to - 1))) {
      to--;
    }
    for (int i = from; i < to; i++) {
      if (sentence.charAt(i) >= 0x80) {
        return null;
      }
    }
    StringBuilder sb = Words.singleSpaced(sentence, from, to, true);
    return withoutTrailingPunctuation(sb, sb.length());
  }

  private static String withoutTrailingPunctuation(CharSequence s, int length) {
    int end = length;
    while (end > 0 && ".!?;:,".indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.subSequence(0, end).toString();
  }
}
