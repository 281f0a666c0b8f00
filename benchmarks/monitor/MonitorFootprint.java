// Heap of one RunawayMonitor with every detector provider on the class path configured.
//
// Not compiled by Maven: RunawayMonitor (core) and the providers land on main separately, and this
// file must not break the build before they do. It is a single-file Java program (JEP 330), run
// with the benchmarks jar and the providers jar on the class path; see benchmarks/RESULTS.md:
//
//   mvn -B -q -Dquick -pl benchmarks,runaway-providers -am package -DskipTests
//   java -Xmx64m -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0 \
//     -cp benchmarks/target/benchmarks.jar:runaway-providers/target/runaway-providers-0.1.0-SNAPSHOT.jar \
//     benchmarks/monitor/MonitorFootprint.java benchmarks/monitor/monitor-footprint.json [rounds]
//
// What it does: starts a loopback stub (127.0.0.1, port 0) that answers every request 200 with
// an empty usage list (EMPTY_USAGE); substitutes its address for ${STUB} in the config; gives every secret the
// config asks for a dummy value; builds the monitor (alerts counted, not sent); polls it `rounds`
// times (default 20), moving a ManualTicker one monitoring interval between rounds; and prints the
// live heap (class histogram after a full GC) before the monitor, after it was built, and after the
// rounds, the heap pool peaks, and each service's status. Run under -Xmx64m it also proves the
// DESIGN section 9 bound: it fails with OutOfMemoryError if the monitor does not fit.
//
// What it does not: parse real-size responses (the stub's answers are empty; a detector that
// expects another shape reports its polls as failures, and its status line says so). Responses of usage APIs are kilobytes; the heap
// is dominated by the monitor's fixed structures, which this measures. Every provider type in the
// config whose provider is not on the class path is dropped and named in the output.
//
// Not thread-safe: a command-line harness.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.runaway.ManualTicker;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.RunawayMonitor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;

public final class MonitorFootprint {

  /**
   * One body that the JSON usage APIs' parsers accept as "no usage in this span": an empty list
   * under each name they use (OpenAI and Stripe {@code data}, GitHub {@code usageItems} and
   * {@code workflow_runs}, Atlas {@code results} and {@code lineItems}), with no further page.
   * Cloudflare's GraphQL, Atlas's token endpoint and Vercel's JSON Lines get answers of their own
   * shape. A provider that needs another shape reports the poll as failed, and its status line
   * says so.
   */
  /** Secrets whose value a provider parses; every other secret is an opaque dummy. */
  private static final Map<String, String> DUMMY_SECRETS = Map.of(
      "SUPABASE_URL", "https://abcdefghijklmnopqrst.supabase.co",
      "MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_footprint");

  private static final String EMPTY_USAGE = "{\"object\":\"list\",\"data\":[],\"has_more\":false,\"next_page\":null,"
      + "\"usageItems\":[],\"workflow_runs\":[],\"total_count\":0,\"lineItems\":[],\"links\":[],\"results\":[]}";

  /** An OAuth client-credentials answer (MongoDB Atlas service accounts). */
  private static final String TOKEN = "{\"access_token\":\"footprint-token\",\"token_type\":\"Bearer\",\"expires_in\":3600}";

  /** A GraphQL answer with no usage (Cloudflare R2 analytics). */
  private static final String EMPTY_GRAPHQL = "{\"data\":{\"viewer\":{\"accounts\":[{\"ops\":[],"
      + "\"storage\":[]}]}},\"errors\":null}";

  public static void main(String[] args) throws Exception {
    Path configFile = Path.of(args.length > 0 ? args[0] : "benchmarks/monitor/monitor-footprint.json");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    System.out.printf(Locale.ROOT, "JVM %s, flags %s, heap max %d MB%n", System.getProperty("java.vm.version"),
        ManagementFactory.getRuntimeMXBean().getInputArguments(), Runtime.getRuntime().maxMemory() >> 20);

    TreeSet<String> types = new TreeSet<>();
    ServiceLoader.load(DetectorProvider.class, DetectorProvider.class.getClassLoader())
        .forEach(p -> types.add(p.type()));
    System.out.println("detector providers on the class path: " + types);

    AtomicLong requests = new AtomicLong();
    HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    stub.createContext("/", exchange -> {
      requests.incrementAndGet();
      String path = exchange.getRequestURI().getPath();
      String text = path.endsWith("/oauth/token") ? TOKEN
          : path.endsWith("/graphql") ? EMPTY_GRAPHQL
          : path.endsWith("/billing/charges") ? "" // JSON Lines: no rows
          : EMPTY_USAGE;
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type",
          path.endsWith("/billing/charges") ? "application/jsonl" : "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    stub.start();
    String stubUrl = "http://127.0.0.1:" + stub.getAddress().getPort();
    // Only the types whose provider is on the class path: the others are named, not measured.
    ObjectMapper json = new ObjectMapper();
    ObjectNode tree = (ObjectNode) json.readTree(Files.readString(configFile).replace("${STUB}", stubUrl));
    ObjectNode services = (ObjectNode) tree.path("services");
    TreeSet<String> missing = new TreeSet<>();
    for (Map.Entry<String, JsonNode> e : List.copyOf(services.properties())) {
      String type = e.getValue().path("type").asText();
      if (!types.contains(type)) {
        missing.add(e.getKey() + " (" + type + ")");
        services.remove(e.getKey());
        ((ObjectNode) tree.path("cost_thresholds")).remove(e.getKey());
      }
    }
    System.out.println("configured services whose provider is NOT on the class path (not measured): " + missing);
    MonitorConfig config = MonitorConfig.parse(json.writeValueAsString(tree));

    TreeSet<String> secretNames = new TreeSet<>();
    SecretSource dummies = new SecretSource() {
      @Override
      public Optional<Secret> get(String name) {
        secretNames.add(name);
        return Optional.of(Secret.of(name, DUMMY_SECRETS.getOrDefault(name, "footprint-dummy-" + name.toLowerCase(Locale.ROOT))));
      }
    };
    ManualTicker ticker = ManualTicker.startingAt(Instant.now());
    AtomicLong alerts = new AtomicLong();

    long before = liveBytes();
    RunawayMonitor monitor = RunawayMonitor.builder()
        .config(config)
        .secrets(dummies)
        .ticker(ticker)
        .alertSink(a -> alerts.incrementAndGet())
        .build();
    long built = liveBytes();
    for (int i = 0; i < rounds; i++) {
      monitor.pollOnce();
      ticker.advance(config.monitoringInterval());
    }
    long polled = liveBytes();

    System.out.println("services monitored: " + monitor.services() + "; secrets asked for: " + secretNames);
    monitor.status().forEach((name, s) -> System.out.printf(Locale.ROOT, "  %-16s %-14s %-9s polls %d, failures %d%s%n",
        name, s.type(), s.health(), s.polls(), s.failures(), s.lastError() == null ? "" : " (" + s.lastError() + ")"));
    System.out.printf(Locale.ROOT, "%d rounds, %d stub requests, %d alerts%n", rounds, requests.get(), alerts.get());
    System.out.printf(Locale.ROOT, "live heap: before the monitor %,d B; built %,d B (+%,d); after the rounds %,d B (+%,d)%n",
        before, built, built - before, polled, polled - before);
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        System.out.printf(Locale.ROOT, "  heap pool %-22s peak %,d B%n", pool.getName(), pool.getPeakUsage().getUsed());
      }
    }
    monitor.close();
    stub.stop(0);
  }

  /** Live bytes: the total of the JVM's class histogram, which runs a full GC first. */
  private static long liveBytes() throws Exception {
    String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && f[0].equals("Total")) {
        return Long.parseLong(f[2]);
      }
    }
    throw new IllegalStateException("no Total line in the class histogram");
  }
}
