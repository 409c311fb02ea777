package dev.fusion.judge;

import dev.fusion.common.ServiceMain;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;

/** Runs the judge worker as its own process. */
public final class JudgeWorkerMain {
  private JudgeWorkerMain() {}

  public static void main(String[] args) throws Exception {
    StageContext ctx = new StageContext(FusionConfig.fromEnv(), null, "judge-worker").ensureTopics();
    ServiceMain.run(ctx, new JudgeWorker(ctx));
  }
}
