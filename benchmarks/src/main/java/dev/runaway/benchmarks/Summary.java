package dev.runaway.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the JSON results of a run of {@link GuardOverheadBenchmark} and
 * {@link GuardScalingBenchmark} and prints, as Markdown, the performance targets of issue 8 with
 * the measured values beside them and the ratios to the alternatives measured in the same run.
 *
 * <p>Run after the benchmarks (command in {@code benchmarks/RESULTS.md}):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.runaway.benchmarks.Summary benchmarks/target/jmh-result.json
 * </pre>
 *
 * <p>Not thread-safe: a command-line tool.
 */
public final class Summary {

  private final Map<String, JsonNode> byName = new LinkedHashMap<>();

  private Summary(JsonNode results) {
    for (JsonNode r : results) {
      String name = r.get("benchmark").asText();
      byName.put(name.substring(name.lastIndexOf('.') + 1), r);
    }
  }

  /**
   * Prints the summary.
   *
   * @param args the JMH JSON result file
   * @throws IOException if it cannot be read
   */
  public static void main(String[] args) throws IOException {
    Path file = Path.of(args.length > 0 ? args[0] : "benchmarks/target/jmh-result.json");
    new Summary(new ObjectMapper().readTree(file.toFile())).print();
  }

  private double score(String benchmark) {
    return node(benchmark).get("primaryMetric").get("score").asDouble();
  }

  private double error(String benchmark) {
    return node(benchmark).get("primaryMetric").get("scoreError").asDouble();
  }

  private double bytesPerOp(String benchmark) {
    JsonNode m = node(benchmark).path("secondaryMetrics").path("gc.alloc.rate.norm");
    return m.isMissingNode() ? Double.NaN : m.get("score").asDouble();
  }

  private JsonNode node(String benchmark) {
    JsonNode n = byName.get(benchmark);
    if (n == null) {
      throw new IllegalArgumentException("no result for " + benchmark + " in the file; found " + byName.keySet());
    }
    return n;
  }

  private void print() {
    double bare = score("baseline_bareCall");
    double guard = score("guard_callExplicitEstimate");
    double r4j = score("r4j_circuitBreakerExecuteSupplier");
    double overhead = guard - bare;
    double r4jOverhead = r4j - bare;

    System.out.println("| target (issue 8) | measured | met |");
    System.out.println("| --- | --- | --- |");
    row("guard.call overhead, explicit estimate, 1 thread < 50 ns",
        f("%.1f ns (%.1f ± %.1f call - %.1f bare)", overhead, guard, error("guard_callExplicitEstimate"), bare),
        overhead < 50);
    row("... and <= 1/2 of Resilience4j executeSupplier overhead",
        f("%.2f x (%.1f ns vs %.1f ns)", overhead / r4jOverhead, overhead, r4jOverhead), overhead <= r4jOverhead / 2);
    double bytes = bytesPerOp("guard_callExplicitEstimate");
    row("0 B/op inside the guard (explicit estimate)", f("%.3f B/op", bytes), bytes < 0.5);
    double one = score("guard_1t");
    double shared = score("guard_2t_shared");
    double separate = score("guard_2t_separate");
    row("2 threads, one service: aggregate >= 1 thread",
        f("%.2f x (%.1f vs %.1f calls/us)", shared / one, shared, one), shared >= one);
    row("2 threads, two services: >= 1.8 x 1 thread",
        f("%.2f x (%.1f vs %.1f calls/us)", separate / one, separate, one), separate >= 1.8 * one);
    System.out.println();
    System.out.println(f("Machine ceiling for two threads (bare call): %.2f x.",
        score("bare_2t") / score("bare_1t")));

    System.out.println();
    System.out.println("| one thread, ns/op | score ± error | minus bare call | B/op | guard overhead / this |");
    System.out.println("| --- | --- | --- | --- | --- |");
    for (String b : new String[] {"baseline_bareCall", "guard_callExplicitEstimate",
        "guard_callExplicitEstimate_coarseTicker", "ticker_systemNanoTime", "guard_callWithExtractor",
        "guard_perKeyPreCreated", "guard_perKeyLookupPerCall", "guard_reserveCommit", "guard_breakerPermissionOnly",
        "guard_refusedBreakerOpen", "r4j_circuitBreakerExecuteSupplier", "r4j_rateLimiterExecuteSupplier",
        "bucket4j_tryConsume"}) {
      if (!byName.containsKey(b)) {
        continue;
      }
      double net = score(b) - bare;
      String ratio = b.startsWith("r4j") || b.startsWith("bucket4j") ? f("%.2f", overhead / net) : "";
      System.out.println(f("| %s | %.1f ± %.1f | %.1f | %.1f | %s |", b, score(b), error(b), net, bytesPerOp(b), ratio));
    }

    System.out.println();
    System.out.println("| 1 vs 2 threads, calls/us (all threads) | 1 thread | 2 threads, shared | 2 threads, separate "
        + "| shared / 1t | separate / 1t | B/op (1t) |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
    for (String p : new String[] {"bare", "guard", "r4jBreaker", "r4jLimiter", "bucket4j"}) {
      String t1 = p + "_1t";
      String sh = p + "_2t";
      String sp = p + "_2t_separate";
      if (!byName.containsKey(t1)) {
        continue;
      }
      if (!byName.containsKey(sh)) {
        sh = p + "_2t_shared";
      }
      boolean hasSeparate = byName.containsKey(sp);
      System.out.println(f("| %s | %.1f ± %.1f | %.1f ± %.1f | %s | %.2f | %s | %.1f |", p, score(t1), error(t1),
          score(sh), error(sh), hasSeparate ? f("%.1f ± %.1f", score(sp), error(sp)) : "-",
          score(sh) / score(t1), hasSeparate ? f("%.2f", score(sp) / score(t1)) : "-", bytesPerOp(t1)));
    }
  }

  private static void row(String target, String measured, boolean met) {
    System.out.println("| " + target + " | " + measured + " | " + (met ? "yes" : "**no**") + " |");
  }

  private static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
