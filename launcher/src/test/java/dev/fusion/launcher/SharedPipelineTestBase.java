package dev.fusion.launcher;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** For test classes whose tests all use one pipeline with default settings on the class's harness. */
abstract class SharedPipelineTestBase extends PipelineTestBase {
  static FusionStack stack;

  @BeforeAll
  static void startStack() throws Exception {
    stack = harness.newStack(Map.of());
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }
}
