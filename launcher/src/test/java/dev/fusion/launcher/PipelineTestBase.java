package dev.fusion.launcher;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * End-to-end test classes extend this for one {@link PipelineHarness} (broker and simulator) per class;
 * each test starts its own pipeline on it. JUnit runs a superclass's {@code @BeforeAll} before the
 * subclass's and its {@code @AfterAll} after, so a subclass may build on {@link #harness} in its own.
 */
abstract class PipelineTestBase {
  static PipelineHarness harness;

  @BeforeAll
  static void startHarness() {
    harness = new PipelineHarness();
  }

  @AfterAll
  static void stopHarness() {
    harness.close();
  }
}
