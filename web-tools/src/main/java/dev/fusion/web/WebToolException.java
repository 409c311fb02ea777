package dev.fusion.web;

/**
 * A web tool call that did not succeed; the message is what the model is told (it names the problem and
 * never a key or an internal address), so it has no stack trace to fill.
 */
final class WebToolException extends RuntimeException {
  /** The search service itself failed (unreachable, timed out, an HTTP error), not the call. */
  final boolean backendDown;

  WebToolException(String message) {
    this(message, false);
  }

  private WebToolException(String message, boolean backendDown) {
    super(message, null, false, false);
    this.backendDown = backendDown;
  }

  /** A failure of the search service: several in a row end the tool loop (see {@code ToolLoop}). */
  static WebToolException backendDown(String message) {
    return new WebToolException(message, true);
  }
}
