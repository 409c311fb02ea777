package dev.fusion.bench;

import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.contract.Usage;
import dev.fusion.common.kafka.JsonSerde;
import dev.fusion.gateway.SseParser;
import dev.fusion.judge.PanelCompletion;
import dev.fusion.judge.PanelState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-record work every job pays several times: serializing contract records, one aggregation
 * step of the judge stage (state update, completion check, state serialization as the store does), and
 * parsing a streamed completion.
 */
public class HotPathBenchmarks extends MicroBenchmark {
  private final JsonSerde<PanelAnswer> answers = new JsonSerde<>(PanelAnswer.class);
  private final JsonSerde<PanelState> states = new JsonSerde<>(PanelState.class);
  private final PanelCompletion completion = new PanelCompletion(Duration.ofMinutes(3), 1);
  private final FusionJob job = new FusionJob(1, "job_0123456789abcdef", "default",
      List.of(ChatMessage.user("What limits the battery life of electric cars? Answer in detail.")),
      List.of("sim/alpha", "sim/beta", "sim/gamma"), "sim/judge", "sim/writer", null, null, 0);
  private final PanelAnswer answer = PanelAnswer.success(job.jobId(), 2, "sim/gamma", "sim/gamma",
      "Battery life is limited by cell chemistry, temperature, charging habits and depth of discharge. ".repeat(8),
      new Usage(20, 180, 0, 0.0012), 0, 100);
  private final byte[] answerBytes = answers.serializer().serialize("t", answer);
  private final PanelState twoAnswered = PanelState.empty().withJob(job)
      .withAnswer(PanelAnswer.success(job.jobId(), 0, "sim/alpha", "sim/alpha", answer.content(), Usage.ZERO, 0, 90))
      .withAnswer(PanelAnswer.success(job.jobId(), 1, "sim/beta", "sim/beta", answer.content(), Usage.ZERO, 0, 95));
  private final byte[] stateBytes = states.serializer().serialize("t", twoAnswered);
  private final byte[] sseStream = buildStream();

  private static byte[] buildStream() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      sb.append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word")
          .append(i).append(" \"}}]}\n\n");
    }
    sb.append("data: [DONE]\n\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  public byte[] serializePanelAnswer() {
    return answers.serializer().serialize("t", answer);
  }

  @Benchmark
  public PanelAnswer deserializePanelAnswer() {
    return answers.deserializer().deserialize("t", answerBytes);
  }

  /** One answer arriving at the aggregator: read state, add the answer, check, emit, write the marker. */
  @Benchmark
  public void aggregationStep(Blackhole bh) {
    PanelState state = states.deserializer().deserialize("t", stateBytes).withAnswer(answer);
    String kind = completion.check(state, 200);
    PanelSet set = completion.toPanelSet(state, kind, 200);
    bh.consume(set);
    bh.consume(states.serializer().serialize("t", PanelState.done(200)));
  }

  @Benchmark
  public int parseStreamedCompletion() {
    int[] count = {0};
    SseParser parser = new SseParser((buf, from, to) -> count[0]++);
    // Network reads arrive in chunks of a few hundred bytes.
    for (int i = 0; i < sseStream.length; i += 512) {
      parser.feed(java.util.Arrays.copyOfRange(sseStream, i, Math.min(sseStream.length, i + 512)));
    }
    return count[0];
  }
}
