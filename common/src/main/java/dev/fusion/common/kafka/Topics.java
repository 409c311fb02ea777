package dev.fusion.common.kafka;

import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.JobCancellation;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.config.RecordBudget;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topic registry: every topic of the pipeline, its key and value serdes and its cleanup
 * policy, defined once. Every record is keyed by job ID. A prefix lets several pipelines share a broker
 * (tests, staging).
 */
public final class Topics {
  private static final Serde<String> KEY = Serdes.String();

  private final TopicSpec<String, byte[]> requests;
  private final TopicSpec<String, byte[]> rejections;
  private final TopicSpec<String, FusionJob> jobs;
  private final TopicSpec<String, PanelAnswer> panelAnswers;
  private final TopicSpec<String, PanelSet> panels;
  private final TopicSpec<String, AnalysisRecord> analyses;
  private final TopicSpec<String, FusionResult> results;
  private final TopicSpec<String, FusionEvent> events;
  private final TopicSpec<String, JobCancellation> cancellations;
  private final TopicSpec<String, BatchItem> batchItems;
  private final TopicSpec<String, BatchState> batches;

  public Topics(String prefix) {
    this(prefix, RecordBudget.DEFAULT);
  }

  /**
   * With every topic's {@code max.message.bytes} from the budget: room for the largest record a stage
   * writes, and on the rejections topic for a dead letter of it.
   */
  public Topics(String prefix, RecordBudget budget) {
    String p = prefix == null ? "" : prefix;
    Map<String, String> sized = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
        Integer.toString(budget.topicMaxMessageBytes()));
    requests = new TopicSpec<>(p + "fusion.requests", KEY, Serdes.ByteArray(), false, sized);
    rejections = new TopicSpec<>(p + "fusion.rejections", KEY, Serdes.ByteArray(), false,
        Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(budget.rejectionsMaxMessageBytes())));
    jobs = new TopicSpec<>(p + "fusion.jobs", KEY, new JsonSerde<>(FusionJob.class), false, sized);
    panelAnswers = new TopicSpec<>(p + "fusion.panel.answers", KEY, new JsonSerde<>(PanelAnswer.class), false, sized);
    panels = new TopicSpec<>(p + "fusion.panels", KEY, new JsonSerde<>(PanelSet.class), false, sized);
    analyses = new TopicSpec<>(p + "fusion.analyses", KEY, new JsonSerde<>(AnalysisRecord.class), false, sized);
    results = new TopicSpec<>(p + "fusion.results", KEY, new JsonSerde<>(FusionResult.class), true, sized);
    events = new TopicSpec<>(p + "fusion.events", KEY, new JsonSerde<>(FusionEvent.class), false, sized);
    cancellations = new TopicSpec<>(p + "fusion.cancellations", KEY, new JsonSerde<>(JobCancellation.class), true,
        sized);
    // Batches: items keyed "<batchId>/<ordinal>", state keyed by batch ID; both compacted so a batch
    // can be rebuilt from Kafka alone however old it is.
    batchItems = new TopicSpec<>(p + "fusion.batch.items", KEY, new JsonSerde<>(BatchItem.class), true, sized);
    batches = new TopicSpec<>(p + "fusion.batches", KEY, new JsonSerde<>(BatchState.class), true, sized);
  }

  public TopicSpec<String, byte[]> requests() {
    return requests;
  }

  public TopicSpec<String, byte[]> rejections() {
    return rejections;
  }

  public TopicSpec<String, FusionJob> jobs() {
    return jobs;
  }

  public TopicSpec<String, PanelAnswer> panelAnswers() {
    return panelAnswers;
  }

  public TopicSpec<String, PanelSet> panels() {
    return panels;
  }

  public TopicSpec<String, AnalysisRecord> analyses() {
    return analyses;
  }

  public TopicSpec<String, FusionResult> results() {
    return results;
  }

  public TopicSpec<String, FusionEvent> events() {
    return events;
  }

  /** Compacted, keyed by job ID: which jobs were cancelled (tombstoned when the job is retained away). */
  public TopicSpec<String, JobCancellation> cancellations() {
    return cancellations;
  }

  public TopicSpec<String, BatchItem> batchItems() {
    return batchItems;
  }

  public TopicSpec<String, BatchState> batches() {
    return batches;
  }

  public List<TopicSpec<?, ?>> all() {
    return List.of(requests, rejections, jobs, panelAnswers, panels, analyses, results, events, cancellations,
        batchItems, batches);
  }
}
