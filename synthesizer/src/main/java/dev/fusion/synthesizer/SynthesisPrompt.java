package dev.fusion.synthesizer;

import dev.fusion.common.Json;
import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.PanelAnswer;
import java.util.ArrayList;
import java.util.List;

/**
 * The synthesizer's messages: the original conversation, then the judge's analysis as context. When
 * the judge failed, the raw panel answers take its place and the model is told the analysis is missing.
 */
final class SynthesisPrompt {
  private SynthesisPrompt() {}

  static List<ChatMessage> build(AnalysisRecord record) {
    List<ChatMessage> messages = new ArrayList<>();
    StringBuilder system = new StringBuilder("""
        You write the final answer to the user's last message. A panel of models answered it independently \
        and a judge compared their answers. Treat consensus as higher-confidence, resolve contradictions \
        explicitly, use unique insights where they are sound, and cover the blind spots. Answer the user \
        directly; do not mention the panel or the judge unless asked.
        """);
    if (record.analysis() != null) {
      system.append("\nThe judge's analysis (JSON):\n").append(Json.toString(record.analysis()));
    } else {
      system.append("\nThe judge's analysis is unavailable (").append(record.judgeFailureReason())
          .append("); here are the panel's answers instead:\n");
      for (PanelAnswer a : record.answers()) {
        if (a.ok()) {
          system.append("\n--- answer from ").append(a.model()).append(" ---\n").append(a.content()).append('\n');
        }
      }
    }
    messages.add(ChatMessage.system(system.toString()));
    messages.addAll(record.job().messages());
    return messages;
  }
}
