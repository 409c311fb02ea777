package dev.fusion.common.contract;

import java.util.List;

/**
 * A panel that is ready for the judge: every model reported ({@code all_answered}), or the deadline
 * passed with at least the quorum ({@code deadline}). Models that never reported appear as failed
 * answers with reason {@code timeout}.
 */
public record PanelSet(
    int schemaVersion,
    String jobId,
    FusionJob job,
    List<PanelAnswer> answers,
    String completion,
    long completedAtMs) implements Validated {

  public static final int SCHEMA_VERSION = 1;

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "PanelSet");
    Validated.requireText(jobId, "job_id");
    Validated.require(job, "job");
    job.validate();
    Validated.validateAll(answers, "answers");
    Validated.requireText(completion, "completion");
  }

  public static final String ALL_ANSWERED = "all_answered";
  public static final String DEADLINE = "deadline";

  public List<PanelAnswer> successful() {
    return answers.stream().filter(PanelAnswer::ok).toList();
  }
}
