package dev.fusion.synthesizer;

import dev.fusion.common.ServiceMain;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;

/** Runs the synthesizer as its own process. */
public final class SynthesizerMain {
  private SynthesizerMain() {}

  public static void main(String[] args) throws Exception {
    StageContext ctx = new StageContext(FusionConfig.fromEnv(), null, "synthesizer").ensureTopics();
    ServiceMain.run(ctx, new Synthesizer(ctx));
  }
}
