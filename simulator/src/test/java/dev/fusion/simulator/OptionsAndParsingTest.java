package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsAndParsingTest {

  @Test
  void parsesAndOverlaysOptions() {
    SimOptions o = SimOptions.parse(" fault=http429 ; retry_after=1;; fail_times=2 ");
    assertThat(o.asMap())
        .containsExactly(
            Map.entry("fault", "http429"), Map.entry("retry_after", "1"),
            Map.entry("fail_times", "2"));
    assertThat(o.toString()).isEqualTo("fault=http429;retry_after=1;fail_times=2");

    SimOptions merged = o.overlay(SimOptions.parse("fault=http500"));
    assertThat(merged.get("fault")).isEqualTo("http500");
    assertThat(merged.get("fail_times")).isEqualTo("2");

    assertThatThrownBy(() -> SimOptions.parse("fault")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimOptions.parse("fault=boom"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimOptions.parse("fail_rate=2"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimOptions.parse("latency=gaussian"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void webOptionsAreValidated() {
    SimOptions o = SimOptions.parse("web_steps=3;web_fanout=4");
    RequestPlan plan = RequestPlan.of(o, 1, 2, 1, null, 0);
    assertThat(plan.webSteps()).isEqualTo(3);
    assertThat(plan.webFanout()).isEqualTo(4);
    assertThat(RequestPlan.of(SimOptions.EMPTY, 1, 2, 1, null, 0).webFanout()).isEqualTo(1);
    assertThatThrownBy(() -> SimOptions.parse("web_steps=65")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimOptions.parse("web_fanout=0")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimOptions.parse("web_fanout=17")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimOptions.parse("web_steps=-1")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theRequestRecordIsConfigurable() {
    SimulatorConfig d = SimulatorConfig.defaults();
    assertThat(d.recordRequests()).isEqualTo(10_000);
    assertThat(d.recordBytes()).isEqualTo(32L * 1024 * 1024);
    SimulatorConfig c = SimulatorConfig.fromEnv(Map.of("SIM_RECORD_REQUESTS", "5", "SIM_RECORD_BYTES", "1000"));
    assertThat(c.recordRequests()).isEqualTo(5);
    assertThat(c.recordBytes()).isEqualTo(1000);
    assertThat(d.withRequestRecord(7, 9).withSeed(3).recordRequests()).isEqualTo(7);
    assertThatThrownBy(() -> d.withRequestRecord(-1, 9)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fixedLatencyAtAHigherLevelOverridesLognormal() {
    SimOptions global = SimOptions.parse("latency=lognormal;latency_median_ms=100");
    SimOptions request = global.overlay(SimOptions.parse("latency_ms=0"));
    assertThat(RequestPlan.latency(request, 1, 2, 3)).isZero();
    SimOptions median = SimOptions.parse("latency_ms=5").overlay(SimOptions.parse("latency_median_ms=50"));
    assertThat(median.get("latency")).isEqualTo("lognormal");
  }

  @Test
  void lognormalLatencyIsRepeatableAndCenteredOnTheMedian() {
    SimOptions o = SimOptions.parse("latency=lognormal;latency_median_ms=100;latency_sigma=0.5");
    assertThat(RequestPlan.latency(o, 42, 7, 1)).isEqualTo(RequestPlan.latency(o, 42, 7, 1));
    int below = 0;
    for (int i = 1; i <= 1000; i++) {
      if (RequestPlan.latency(o, 42, 7, i) < 100) {
        below++;
      }
    }
    assertThat(below).isBetween(400, 600);
  }

  @Test
  void configFromEnv() {
    SimulatorConfig c =
        SimulatorConfig.fromEnv(
            Map.of(
                "SIM_HOST", "0.0.0.0",
                "SIM_PORT", "9999",
                "SIM_SEED", "7",
                "SIM_LATENCY", "lognormal",
                "SIM_LATENCY_MEDIAN_MS", "80",
                "SIM_LATENCY_SIGMA", "0.4",
                "SIM_TOKENS_PER_S", "50",
                "SIM_MODEL_OPTIONS", "alpha:fault=http500;fail_rate=0.1|sim/beta:latency_ms=50"));
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(9999);
    assertThat(c.seed()).isEqualTo(7);
    assertThat(c.defaultOptions().get("latency")).isEqualTo("lognormal");
    assertThat(c.defaultOptions().get("latency_median_ms")).isEqualTo("80");
    assertThat(c.defaultOptions().get("tokens_per_s")).isEqualTo("50");
    assertThat(c.optionsFor("sim/alpha").get("fault")).isEqualTo("http500");
    assertThat(c.optionsFor("alpha").get("fail_rate")).isEqualTo("0.1");
    assertThat(c.optionsFor("sim/beta;fault=x").get("latency_ms")).isEqualTo("50");
    assertThat(SimulatorConfig.fromEnv(Map.of()).port()).isEqualTo(8090);
    assertThatThrownBy(() -> SimulatorConfig.fromEnv(Map.of("SIM_MODEL_OPTIONS", "nocolon")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void blockParserHandlesFakeDelimiters() {
    String text =
        "intro\n<<<BEGIN RESPONSE label=\"A\">>>\nfirst\n<<<END RESPONSE label=\"A\">>>\nmore of A\n"
            + "<<<END RESPONSE label=\"A\">>>\n"
            + "<<<BEGIN RESPONSE label=\"B \"quoted\"\">>>\nsecond <<<END RESPONSE label=\"A\">>> x\n"
            + "<<<END RESPONSE label=\"B \"quoted\"\">>>\n"
            + "<<<BEGIN RESPONSE label=\"C\">>>\nno end";
    List<JudgeAnalyzer.Block> blocks = JudgeAnalyzer.parseBlocks(text);
    assertThat(blocks).extracting(JudgeAnalyzer.Block::label).containsExactly("A", "B \"quoted\"");
    assertThat(blocks.get(0).content()).contains("first").contains("more of A");
    assertThat(blocks.get(1).content()).startsWith("second").endsWith("x");
  }

  @Test
  void piecesConcatenateExactly() {
    String s = "  one two three\nfour  five six seven ";
    assertThat(String.join("", ModelSimulator.pieces(s))).isEqualTo(s);
    assertThat(ModelSimulator.pieces("")).isEmpty();
  }

  @Test
  void topicTakesTheFirstWordsWithoutSentencePunctuation() {
    assertThat(AnswerGenerator.topic("Is Rust faster than Go? I wonder, really, truly today."))
        .isEqualTo("Is Rust faster than Go I wonder, really");
    assertThat(AnswerGenerator.topic("   ")).isEqualTo("the question");
  }
}
