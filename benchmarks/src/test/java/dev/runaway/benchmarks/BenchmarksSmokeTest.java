package dev.runaway.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Proves that the JMH benchmarks still start and measure: one benchmark, in-process, one short
 * iteration. The real runs are the command in {@code benchmarks/RESULTS.md}, never the test suite.
 */
final class BenchmarksSmokeTest {

  @Test
  void guardCallExplicitEstimate_runsAndProducesAScore() throws RunnerException {
    Options options = new OptionsBuilder()
        .include(GuardOverheadBenchmark.class.getName() + ".guard_callExplicitEstimate$")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(200))
        .shouldFailOnError(true)
        .build();

    Collection<RunResult> results = new Runner(options).run();

    assertThat(results).hasSize(1);
    RunResult result = results.iterator().next();
    assertThat(result.getParams().getBenchmark()).endsWith("guard_callExplicitEstimate");
    // Nanoseconds per call: positive, and nowhere near a sign of a broken setup (a millisecond).
    assertThat(result.getPrimaryResult().getScore()).isPositive().isLessThan(1_000_000.0);
  }
}
