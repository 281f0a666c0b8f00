package dev.runaway.benchmarks.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The copy of the Numenta Anomaly Benchmark data in {@code shared/data/nab}: series, labelled
 * windows, labels and cost profiles. Only files present on disk are loaded (41 of NAB's 58).
 *
 * <p>Immutable once loaded.
 */
final class NabData {

  static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  /** One cost profile of config/profiles.json. */
  record Profile(String name, double tp, double fp, double fn) {}

  /** One data file with its windows. */
  record Series(String name, String category, List<LocalDateTime> timestamps, double[] values,
      List<LocalDateTime[]> windows, List<LocalDateTime> labels) {

    int size() {
      return values.length;
    }
  }

  final Path root;
  final List<Series> series;
  final List<Profile> profiles;

  private NabData(Path root, List<Series> series, List<Profile> profiles) {
    this.root = root;
    this.series = series;
    this.profiles = profiles;
  }

  /**
   * Finds the data: the system property {@code nab.dir}, the environment variable {@code NAB_DIR},
   * or {@code shared/data/nab} in the working directory or one of its ancestors (the repository
   * lives beside {@code shared/}, and modules and worktrees sit one or two levels deeper).
   */
  static Optional<Path> locate() {
    String prop = System.getProperty("nab.dir");
    if (prop != null && !prop.isBlank()) {
      return Optional.of(Path.of(prop)).filter(NabData::looksLikeNab);
    }
    String env = System.getenv("NAB_DIR");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env)).filter(NabData::looksLikeNab);
    }
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 5 && dir != null; i++, dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/data/nab");
      if (looksLikeNab(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static boolean looksLikeNab(Path p) {
    return Files.isRegularFile(p.resolve("labels/combined_windows.json")) && Files.isDirectory(p.resolve("data"));
  }

  static NabData load(Path root) {
    try {
      ObjectMapper json = new ObjectMapper();
      JsonNode windows = json.readTree(root.resolve("labels/combined_windows.json").toFile());
      JsonNode labels = json.readTree(root.resolve("labels/combined_labels.json").toFile());
      List<Series> series = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = windows.properties().iterator(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        Path file = root.resolve("data").resolve(e.getKey());
        if (!Files.isRegularFile(file)) {
          continue;
        }
        List<LocalDateTime[]> ws = new ArrayList<>();
        for (JsonNode w : e.getValue()) {
          ws.add(new LocalDateTime[] {parse(w.get(0).asText()), parse(w.get(1).asText())});
        }
        List<LocalDateTime> ls = new ArrayList<>();
        for (JsonNode l : labels.path(e.getKey())) {
          ls.add(parse(l.asText()));
        }
        List<LocalDateTime> ts = new ArrayList<>();
        List<Double> vs = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (line.isBlank() || line.startsWith("timestamp")) {
            continue;
          }
          int comma = line.indexOf(',');
          ts.add(parse(line.substring(0, comma)));
          vs.add(Double.parseDouble(line.substring(comma + 1).trim()));
        }
        String category = e.getKey().substring(0, e.getKey().indexOf('/'));
        series.add(new Series(e.getKey(), category, List.copyOf(ts), vs.stream().mapToDouble(Double::doubleValue).toArray(),
            List.copyOf(ws), List.copyOf(ls)));
      }
      series.sort((a, b) -> a.name().compareTo(b.name()));
      JsonNode prof = json.readTree(root.resolve("config/profiles.json").toFile());
      List<Profile> profiles = new ArrayList<>();
      for (String name : List.of("standard", "reward_low_FP_rate", "reward_low_FN_rate")) {
        JsonNode m = prof.get(name).get("CostMatrix");
        profiles.add(new Profile(name, m.get("tpWeight").asDouble(), m.get("fpWeight").asDouble(),
            m.get("fnWeight").asDouble()));
      }
      return new NabData(root, List.copyOf(series), List.copyOf(profiles));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read NAB data under " + root, e);
    }
  }

  static LocalDateTime parse(String s) {
    String t = s.trim();
    int dot = t.indexOf('.');
    if (dot > 0) {
      t = t.substring(0, dot);
    }
    return LocalDateTime.parse(t, TIMESTAMP);
  }

  Profile profile(String name) {
    return profiles.stream().filter(p -> p.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no profile " + name));
  }

  /**
   * Reads a published per-record results file ({@code results/<det>/<category>/<det>_<file>.csv}):
   * the anomaly_score column.
   */
  double[] publishedScores(String detector, Series s) {
    String file = s.name().substring(s.name().indexOf('/') + 1);
    Path p = root.resolve("results").resolve(detector).resolve(s.category()).resolve(detector + "_" + file);
    try {
      List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
      String[] header = lines.get(0).split(",");
      int col = List.of(header).indexOf("anomaly_score");
      double[] out = new double[lines.size() - 1];
      for (int i = 1; i < lines.size(); i++) {
        out[i - 1] = Double.parseDouble(lines.get(i).split(",")[col]);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
  }

  /** Reads a published per-file score table: file name to Score, for the files present. */
  Map<String, Double> publishedFileScores(String detector, String profile) {
    Path p = root.resolve("results").resolve(detector).resolve(detector + "_" + profile + "_scores.csv");
    Map<String, Double> out = new TreeMap<>();
    try {
      List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
      String[] header = lines.get(0).split(",");
      int fileCol = List.of(header).indexOf("File");
      int scoreCol = List.of(header).indexOf("Score");
      for (int i = 1; i < lines.size(); i++) {
        String[] f = lines.get(i).split(",");
        if (f.length > scoreCol && series.stream().anyMatch(s -> s.name().equals(f[fileCol]))) {
          out.put(f[fileCol], Double.parseDouble(f[scoreCol]));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
  }
}
