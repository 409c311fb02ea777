package dev.fusion.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic plain-text answers: a function of (model name, conversation). Consensus claims and
 * the contested stance depend on the prompt only, so different models agree on some points,
 * disagree on one and add a point of their own.
 */
final class AnswerGenerator {

  private static final int TOPIC_WORDS = 8;

  private AnswerGenerator() {}

  /**
   * @param modelName e.g. {@code sim/alpha}
   * @param conversation the conversation text (see {@link ChatRequest#conversationText()})
   * @param lastUser the text of the last user message
   */
  static String answer(String modelName, String conversation, String lastUser) {
    String topic = '"' + topic(lastUser) + '"';
    Random p = new Random(Seeds.hash64("prompt\u0000" + conversation));
    Random m = new Random(Seeds.hash64(modelName + "\u0000" + conversation));

    int c1 = p.nextInt(ClaimBank.CONSENSUS.size());
    int c2 = distinct(p, ClaimBank.CONSENSUS.size(), c1);
    int p1 = p.nextInt(ClaimBank.PARTIAL.size());
    int p2 = distinct(p, ClaimBank.PARTIAL.size(), p1);
    ClaimBank.Stance stance = ClaimBank.STANCES.get(p.nextInt(ClaimBank.STANCES.size()));

    boolean sideA = m.nextBoolean();
    boolean withP1 = m.nextBoolean();
    boolean withP2 = m.nextBoolean();
    int u = m.nextInt(ClaimBank.UNIQUE.size());

    List<String> sentences = new ArrayList<>(6);
    sentences.add(ClaimBank.CONSENSUS.get(c1));
    sentences.add(sideA ? stance.a() : stance.b());
    if (withP1) {
      sentences.add(ClaimBank.PARTIAL.get(p1));
    }
    sentences.add(ClaimBank.UNIQUE.get(u));
    if (withP2) {
      sentences.add(ClaimBank.PARTIAL.get(p2));
    }
    sentences.add(ClaimBank.CONSENSUS.get(c2));

    StringBuilder sb = new StringBuilder(1024);
    for (String s : sentences) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(s.replace("{t}", topic));
    }
    return sb.toString();
  }

  private static int distinct(Random r, int bound, int other) {
    int v = r.nextInt(bound - 1);
    return v >= other ? v + 1 : v;
  }

  /** The first few words of the message, without sentence punctuation or quotes. */
  static String topic(String message) {
    String text = message.strip();
    StringBuilder sb = new StringBuilder();
    int n = 0;
    int i = 0;
    // Only the first few words are read: the last user message can be a whole judge prompt.
    while (i < text.length() && n < TOPIC_WORDS) {
      while (i < text.length() && Words.isSpace(text.charAt(i))) {
        i++;
      }
      int wordStart = sb.length();
      if (wordStart > 0) {
        sb.append(' ');
      }
      int cleanLength = 0;
      for (; i < text.length() && !Words.isSpace(text.charAt(i)); i++) {
        char c = text.charAt(i);
        if (".!?\"<>`".indexOf(c) < 0) {
          sb.append(c);
          cleanLength++;
        }
      }
      if (cleanLength == 0) {
        sb.setLength(wordStart); // Only punctuation: not a word.
      } else {
        n++;
      }
    }
    String t = sb.toString();
    while (!t.isEmpty() && ",;:".indexOf(t.charAt(t.length() - 1)) >= 0) {
      t = t.substring(0, t.length() - 1);
    }
    return t.isEmpty() ? "the question" : t;
  }
}
