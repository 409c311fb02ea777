package dev.fusion.common.contract;

/** Typed failure reasons, shared by every stage and reported to users verbatim. */
public final class FailureReasons {
  // Per model call.
  public static final String RATE_LIMITED = "rate_limited";
  public static final String TIMEOUT = "timeout";
  public static final String UPSTREAM_ERROR = "upstream_error";
  public static final String INVALID_RESPONSE = "invalid_response";
  public static final String AUTH_FAILED = "auth_failed";
  public static final String BAD_REQUEST = "bad_request";
  public static final String INSUFFICIENT_CREDITS = "insufficient_credits";
  public static final String MODEL_NOT_FOUND = "model_not_found";
  public static final String CONNECTION_ERROR = "connection_error";
  public static final String EMPTY_COMPLETION = "empty_completion";
  public static final String TRUNCATED_STREAM = "truncated_stream";
  public static final String NO_PROVIDER = "no_provider";
  /** The service behind a model's web tools (the search backend) failed in every call of several steps in a row. */
  public static final String WEB_TOOLS_UNAVAILABLE = "web_tools_unavailable";
  /**
   * Not a failure of the call: the answer was longer than its cap and was cut, with a marker at the end
   * (on an answer that is otherwise ok, and on a completed result whose final answer was cut).
   */
  public static final String ANSWER_TRUNCATED = "answer_truncated";

  // Per job.
  public static final String ALL_PANELS_FAILED = "all_panels_failed";
  public static final String JUDGE_NOT_VALID_JSON = "judge_not_valid_json";
  public static final String JUDGE_SCHEMA_MISMATCH = "judge_schema_mismatch";
  public static final String JUDGE_UPSTREAM_ERROR = "judge_upstream_error";
  public static final String JUDGE_EMPTY_COMPLETION = "judge_empty_completion";
  public static final String SYNTHESIZER_FAILED = "synthesizer_failed";
  /** The judge's analysis was larger than its cap: items past it were left out, and a blind spot says so. */
  public static final String ANALYSIS_TRUNCATED = "analysis_truncated";

  private FailureReasons() {}

  /**
   * Why a panel produced nothing useful, from its models' reasons: {@code rate_limited} or
   * {@code insufficient_credits} when every model failed that way (what the user must fix), otherwise
   * {@code all_panels_failed}.
   */
  public static String panelFailure(java.util.List<String> modelReasons) {
    if (!modelReasons.isEmpty() && modelReasons.stream().allMatch(RATE_LIMITED::equals)) {
      return RATE_LIMITED;
    }
    if (!modelReasons.isEmpty() && modelReasons.stream().allMatch(INSUFFICIENT_CREDITS::equals)) {
      return INSUFFICIENT_CREDITS;
    }
    return ALL_PANELS_FAILED;
  }
}
