package dev.runaway.benchmarks;

import dev.runaway.Budget;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceGuard;
import dev.runaway.ServicePolicy;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javax.management.ObjectName;

/**
 * Measures the heap the guard keeps per service and per key: live bytes counted by the JVM's own
 * class histogram (the {@code GC.class_histogram} diagnostic command, which runs a full GC first
 * and counts every live object exactly) before and after the state is created, divided by the
 * number of services or keys created. A breakdown by class shows where the bytes go.
 *
 * <p>What is counted: everything the guard allocates and keeps (runtime, ledger account and its
 * windows, meter, breaker, thresholds, the key map's entries and table). What is not: the name
 * and key strings, which the application creates and would hold anyway (the harness creates them
 * before the first measurement); class metadata (off-heap).
 *
 * <p>Run (after {@code mvn -B -q -Dquick -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0 -Xmx2g -cp benchmarks/target/benchmarks.jar dev.runaway.benchmarks.Footprint [keys] [services]
 * </pre>
 * (defaults: 100,000 keys, 10,000 services). The flags matter: with the serial collector and no
 * "dead wood" allowance, a full GC compacts everything, so the histogram holds live objects only
 * (otherwise dead space left in place shows up as {@code int[]} fillers of several megabytes that
 * come and go between measurements). Results in {@code benchmarks/RESULTS.md}.
 *
 * <p>Not thread-safe: a command-line harness.
 */
public final class Footprint {

  private static final String HISTOGRAM_MBEAN = "com.sun.management:type=DiagnosticCommand";

  private Footprint() {}

  /**
   * Runs the measurements and prints a report.
   *
   * @param args optional: number of keys, number of services
   * @throws Exception if the histogram cannot be read
   */
  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int services = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
    if (!flags.contains("-XX:+UseSerialGC") || !flags.contains("-XX:MarkSweepDeadRatio=0")) {
      System.out.println("WARNING: run with -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0, or dead objects left in"
          + " place by the collector are counted as live and the figures below are off by megabytes.");
    }
    System.out.printf(Locale.ROOT, "JVM: %s %s, %s; heap max %d MB%n", System.getProperty("java.vm.name"),
        System.getProperty("java.vm.version"), flags,
        Runtime.getRuntime().maxMemory() >> 20);

    // Warm up once: class initialisation leaves static objects on the heap that must not be
    // charged to the first measured service or key.
    perService(10, "warm-up (not reported)", false);
    perKey(1_000, "warm-up (not reported)", s -> s.perKeyBudget(Budget.daily(Fixtures.LIMIT)), false);

    perService(services, "per service (hourly + daily budget)", true);
    perKey(keys, "per key (per-key daily budget)", s -> s.perKeyBudget(Budget.daily(Fixtures.LIMIT)), true);
    perKey(keys, "per key (per-key hourly + daily budgets)",
        s -> s.perKeyBudget(Budget.hourly(Fixtures.LIMIT)).perKeyBudget(Budget.daily(Fixtures.LIMIT)), true);
    perKey(keys, "per key (per-key daily budget + per-key detection)",
        s -> s.perKeyBudget(Budget.daily(Fixtures.LIMIT)).perKeyDetection(true), true);
  }

  /** Bytes per service: a guard of 1 + n services minus a guard of 1, divided by n. */
  private static void perService(int n, String title, boolean print) throws Exception {
    List<String> names = new ArrayList<>(n + 1);
    for (int i = 0; i <= n; i++) {
      names.add(String.format(Locale.ROOT, "service-%06d", i));
    }
    Histogram h0 = Histogram.take();
    RunawayGuard one = guardOf(names.subList(0, 1));
    Histogram h1 = Histogram.take();
    RunawayGuard many = guardOf(names);
    Histogram h2 = Histogram.take();
    if (print) {
      long fixed = h1.total - h0.total;
      long all = h2.total - h1.total;
      System.out.printf(Locale.ROOT, "%n== %s: %,d services%n", title, n);
      System.out.printf(Locale.ROOT, "guard with 1 service: %,d B; guard with %,d services: %,d B%n", fixed, n + 1, all);
      System.out.printf(Locale.ROOT, "=> %,.1f bytes per service%n", (all - fixed) / (double) n);
      h2.minus(h1).minus(h1.minus(h0)).print(n, 12);
    }
    keep(one, many, names);
    one.close();
    many.close();
  }

  /** Bytes per key: the heap after n keys were each used once, minus before, divided by n. */
  private static void perKey(int n, String title, Consumer<ServicePolicy.Builder> perKey, boolean print)
      throws Exception {
    List<String> keyNames = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keyNames.add(String.format(Locale.ROOT, "tenant-%07d", i));
    }
    RunawayGuard guard = RunawayGuard.builder()
        .service(Fixtures.KEYED, s -> {
          s.budget(Budget.hourly(Fixtures.LIMIT)).budget(Budget.daily(Fixtures.LIMIT)).maxKeys(Math.max(n, 1));
          perKey.accept(s);
        })
        .build();
    ServiceGuard service = guard.service(Fixtures.KEYED);
    Histogram before = Histogram.take();
    for (String key : keyNames) {
      service.forKey(key).call(Fixtures.ESTIMATE, () -> Fixtures.REPLY);
    }
    Histogram after = Histogram.take();
    if (print) {
      Histogram delta = after.minus(before);
      long keyStates = delta.count("dev.runaway.internal.ServiceRuntime$KeyRuntime");
      System.out.printf(Locale.ROOT, "%n== %s: %,d keys (key states alive: %,d)%n", title, n, keyStates);
      System.out.printf(Locale.ROOT, "=> %,.1f bytes per key%n", delta.total / (double) n);
      delta.print(n, 12);
    }
    keep(guard, keyNames);
    guard.close();
  }

  private static RunawayGuard guardOf(List<String> names) {
    RunawayGuard.Builder b = RunawayGuard.builder();
    for (String name : names) {
      b.service(name, s -> s.budget(Budget.hourly(Fixtures.LIMIT)).budget(Budget.daily(Fixtures.LIMIT)));
    }
    return b.build();
  }

  /** Keeps objects reachable up to here, so that no measurement sees them collected early. */
  private static volatile Object sink;

  private static void keep(Object... objects) {
    sink = objects;
    sink = null;
  }

  /** Live objects by class, from the JVM's class histogram (which runs a full GC first). */
  private static final class Histogram {
    final Map<String, long[]> byClass;
    final long total;

    private Histogram(Map<String, long[]> byClass, long total) {
      this.byClass = byClass;
      this.total = total;
    }

    static Histogram take() throws Exception {
      String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(HISTOGRAM_MBEAN),
          "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
      Map<String, long[]> map = new HashMap<>();
      long total = 0;
      for (String line : text.split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 4 && f[0].endsWith(":")) {
          map.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        } else if (f.length >= 3 && f[0].equals("Total")) {
          total = Long.parseLong(f[2]);
        }
      }
      return new Histogram(map, total);
    }

    Histogram minus(Histogram other) {
      Map<String, long[]> map = new HashMap<>();
      for (Map.Entry<String, long[]> e : byClass.entrySet()) {
        long[] o = other.byClass.getOrDefault(e.getKey(), new long[2]);
        map.put(e.getKey(), new long[] {e.getValue()[0] - o[0], e.getValue()[1] - o[1]});
      }
      for (Map.Entry<String, long[]> e : other.byClass.entrySet()) {
        map.putIfAbsent(e.getKey(), new long[] {-e.getValue()[0], -e.getValue()[1]});
      }
      return new Histogram(map, total - other.total);
    }

    long count(String className) {
      return byClass.getOrDefault(className, new long[2])[0];
    }

    void print(int per, int top) {
      System.out.printf(Locale.ROOT, "  %12s %10s %12s  %s%n", "bytes/unit", "objs/unit", "bytes", "class");
      byClass.entrySet().stream()
          .filter(e -> e.getValue()[1] != 0)
          .sorted((a, b) -> Long.compare(Math.abs(b.getValue()[1]), Math.abs(a.getValue()[1])))
          .limit(top)
          .forEach(e -> System.out.printf(Locale.ROOT, "  %12.1f %10.2f %,12d  %s%n", e.getValue()[1] / (double) per,
              e.getValue()[0] / (double) per, e.getValue()[1], e.getKey()));
    }
  }
}
