package dev.fusion.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ServicesTest {
  /** A stage whose start runs {@code onStart}; records whether it is running. */
  private static final class Stage implements Service {
    interface Step {
      void run() throws Exception;
    }

    final String name;
    final Step onStart;
    final AtomicBoolean running = new AtomicBoolean();
    final AtomicBoolean stopped = new AtomicBoolean();

    Stage(String name, Step onStart) {
      this.name = name;
      this.onStart = onStart;
    }

    @Override
    public void start() throws Exception {
      onStart.run();
      running.set(true);
    }

    @Override
    public void stop() {
      running.set(false);
      stopped.set(true);
    }

    @Override
    public boolean isReady() {
      return running.get();
    }

    @Override
    public String name() {
      return name;
    }
  }

  @Test
  void stagesStartSideBySideSoOneMayWaitForAnotherToBegin() throws Exception {
    // Each start waits until the other has begun: one after the other, neither would ever return.
    CountDownLatch aBegun = new CountDownLatch(1);
    CountDownLatch bBegun = new CountDownLatch(1);
    Stage a = new Stage("a", () -> {
      aBegun.countDown();
      assertThat(bBegun.await(30, TimeUnit.SECONDS)).as("b began while a was starting").isTrue();
    });
    Stage b = new Stage("b", () -> {
      bBegun.countDown();
      assertThat(aBegun.await(30, TimeUnit.SECONDS)).as("a began while b was starting").isTrue();
    });

    Services.startTogether(List.of(a, b));

    assertThat(a.isReady()).isTrue();
    assertThat(b.isReady()).isTrue();
    Services.stopTogether(List.of(a, b));
    assertThat(a.stopped).isTrue();
    assertThat(b.stopped).isTrue();
  }

  @Test
  void whenOneStageFailsToStartTheOthersAreStoppedAndItsFailureIsThrown() {
    Stage ok1 = new Stage("ok1", () -> { });
    Stage failing = new Stage("failing", () -> {
      throw new IllegalStateException("panel-worker: not ready within 120000 ms");
    });
    Stage ok2 = new Stage("ok2", () -> { });

    assertThatThrownBy(() -> Services.startTogether(List.of(ok1, failing, ok2)))
        .isInstanceOf(IllegalStateException.class).hasMessage("panel-worker: not ready within 120000 ms");

    assertThat(ok1.stopped).isTrue();
    assertThat(ok2.stopped).isTrue();
    assertThat(ok1.isReady() || ok2.isReady()).isFalse();
    assertThat(failing.stopped).as("a failed start leaves nothing to stop").isFalse();
  }

  @Test
  void aStopThatFailsDoesNotKeepTheOthersFromStopping() {
    Stage ok = new Stage("ok", () -> { });
    Stage other = new Stage("other", () -> { });
    Service throwing = new Service() {
      @Override
      public void start() { }

      @Override
      public void stop() {
        throw new IllegalStateException("stop failed");
      }

      @Override
      public boolean isReady() {
        return false;
      }

      @Override
      public String name() {
        return "throwing";
      }
    };

    assertThatThrownBy(() -> Services.stopTogether(List.of(throwing, ok, other)))
        .hasMessage("stop failed");
    assertThat(ok.stopped).isTrue();
    assertThat(other.stopped).isTrue();
  }
}
