package dev.fusion.common.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the pipeline's topics idempotently at start. Existing topics are left as they are, but one
 * whose {@code max.message.bytes} is below what Fusion needs fails the start: the pipeline would accept
 * jobs whose records that topic then refuses, and a stage would stop on them.
 */
public final class TopicAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  private TopicAdmin() {}

  public static void ensureTopics(String bootstrapServers, Topics topics, int partitions, short replicationFactor) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = topics.all().stream()
          .filter(t -> !existing.contains(t.name()))
          .map(t -> new NewTopic(t.name(), partitions, replicationFactor).configs(t.topicConfig()))
          .toList();
      checkExistingSizes(admin, topics.all().stream().filter(t -> existing.contains(t.name())).toList());
      if (missing.isEmpty()) {
        return;
      }
      List<TopicSpec<?, ?>> createdElsewhere = new ArrayList<>();
      for (var entry : admin.createTopics(missing).values().entrySet()) {
        try {
          entry.getValue().get();
          LOG.info("created topic {} ({} partitions)", entry.getKey(), partitions);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
          }
          // Created by someone else since the listing (or not yet in it): its size is checked all the same.
          topics.all().stream().filter(t -> t.name().equals(entry.getKey())).forEach(createdElsewhere::add);
        }
      }
      checkExistingSizes(admin, createdElsewhere);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list or describe topics at " + bootstrapServers, e.getCause());
    }
  }

  /**
   * Fails with a message naming each existing topic whose {@code max.message.bytes} (its own or the
   * broker's default) is below what its spec needs, and the command that fixes it.
   */
  static void checkExistingSizes(Admin admin, List<TopicSpec<?, ?>> existing)
      throws InterruptedException, ExecutionException {
    List<TopicSpec<?, ?>> sized = existing.stream().filter(t -> t.maxMessageBytes() > 0).toList();
    if (sized.isEmpty()) {
      return;
    }
    Map<ConfigResource, Config> configs = describe(admin, sized.stream()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList());
    List<String> tooSmall = new ArrayList<>();
    for (TopicSpec<?, ?> t : sized) {
      ConfigEntry entry = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
          .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      long actual = entry == null || entry.value() == null ? -1 : Long.parseLong(entry.value());
      if (actual < t.maxMessageBytes()) {
        tooSmall.add(t.name() + " has max.message.bytes=" + actual + ", needs at least " + t.maxMessageBytes()
            + " (kafka-configs.sh --alter --entity-type topics --entity-name " + t.name()
            + " --add-config max.message.bytes=" + t.maxMessageBytes() + ")");
      }
    }
    if (!tooSmall.isEmpty()) {
      throw new IllegalStateException("topics too small for FUSION_MAX_RECORD_BYTES: " + String.join("; ", tooSmall)
          + ". Raise them, or lower FUSION_MAX_RECORD_BYTES.");
    }
  }

  /**
   * The topics' configs. A topic created a moment ago may not be known to the broker that answers yet
   * (its metadata lags the controller): asked again for up to 5 s.
   */
  private static Map<ConfigResource, Config> describe(Admin admin, List<ConfigResource> resources)
      throws InterruptedException, ExecutionException {
    for (int attempt = 1; ; attempt++) {
      try {
        return admin.describeConfigs(resources).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || attempt == 50) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** Topic config for tests and tools that want to read it back. */
  public static Map<String, String> configOf(TopicSpec<?, ?> spec) {
    return spec.topicConfig();
  }
}
