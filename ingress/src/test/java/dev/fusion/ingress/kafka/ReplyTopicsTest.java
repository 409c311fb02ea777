package dev.fusion.ingress.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyTopicsTest {
  @Test
  void fusionAndInternalTopicsAreNeverReplyTopics() {
    ReplyTopics anyOther = new ReplyTopics("", List.of());
    for (String topic : List.of("fusion.results", "fusion.jobs", "fusion.requests", "fusion_results",
        "fusion-judge-worker-panel-state-changelog", "__consumer_offsets", "__transaction_state", "_schemas",
        "staging.fusion.results")) {
      assertThat(anyOther.violation(topic)).as(topic).contains("Fusion or internal topic");
    }
    assertThat(anyOther.allows("my.replies")).isTrue();
    assertThat(anyOther.violation("not a topic!")).contains("topic name");
  }

  @Test
  void byDefaultRepliesStayUnderTheTopicPrefixAndAnAllowListNarrowsThem() {
    ReplyTopics prefixed = new ReplyTopics("t1.", List.of());
    assertThat(prefixed.allows("t1.my-replies")).isTrue();
    assertThat(prefixed.violation("t1.fusion.results")).contains("Fusion or internal topic");
    assertThat(prefixed.violation("orders")).contains("FUSION_REPLY_TOPIC_PREFIXES");

    ReplyTopics listed = new ReplyTopics("", List.of("replies.", "billing.out"));
    assertThat(listed.allows("replies.orders")).isTrue();
    assertThat(listed.allows("billing.out")).isTrue();
    assertThat(listed.violation("payments.commands")).contains("[replies., billing.out]");
    assertThat(listed.violation("replies.fusion.results")).contains("Fusion or internal topic");
  }
}
