package dev.fusion.panel;

import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.ServiceMain;

/** Runs a panel worker as its own process; start more of them to scale (one consumer group). */
public final class PanelWorkerMain {
  private PanelWorkerMain() {}

  public static void main(String[] args) throws Exception {
    FusionConfig config = FusionConfig.fromEnv();
    StageContext ctx = new StageContext(config, null, "panel-worker").ensureTopics();
    ServiceMain.run(ctx, new PanelWorker(ctx));
  }
}
