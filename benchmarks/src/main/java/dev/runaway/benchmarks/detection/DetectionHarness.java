package dev.runaway.benchmarks.detection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The detection-quality harness: the synthetic protocol (DETECTION.md section 5b) and the NAB
 * evaluation (section 5a); prints the tables and writes {@code DETECTION-RESULTS.md}.
 *
 * <p>Run (from the repository root; about ten minutes on two cores):
 * <pre>
 * mvn -B -q -Dquick -DskipTests -pl benchmarks -am -Ddetection verify
 * </pre>
 * Options go in {@code -Ddetection.args="..."}: {@code --seeds N} (runaway and nuisance seeds per
 * cell, default 50), {@code --null-seeds N} (default 100), {@code --variants A,B},
 * {@code --rates 0.5,5}, {@code --skip-nab}, {@code --skip-synthetic}, {@code --nab DIR},
 * {@code --out FILE}, {@code --threads N}.
 */
public final class DetectionHarness {

  private DetectionHarness() {}

  /**
   * Runs the harness.
   *
   * @param args the options
   * @throws IOException if the report cannot be written or the NAB data cannot be read
   */
  public static void main(String[] args) throws IOException {
    SyntheticStudy.Config config = new SyntheticStudy.Config();
    boolean nab = true;
    boolean nabDetectors = true;
    boolean synthetic = true;
    Path nabDir = null;
    Path out = null;
    List<String> argv = new ArrayList<>();
    for (String a : args) {
      argv.addAll(Arrays.asList(a.trim().split("\\s+")));
    }
    argv.removeIf(String::isEmpty);
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      switch (a) {
        case "--seeds":
          config.cellSeeds = Integer.parseInt(argv.get(++i));
          break;
        case "--null-seeds":
          config.nullSeeds = Integer.parseInt(argv.get(++i));
          break;
        case "--threads":
          config.threads = Integer.parseInt(argv.get(++i));
          break;
        case "--variants":
          List<SyntheticStudy.Variant> vs = new ArrayList<>();
          for (String v : argv.get(++i).split(",")) {
            vs.add(SyntheticStudy.Variant.valueOf(v.trim().toUpperCase(Locale.ROOT)));
          }
          config.variants = vs;
          break;
        case "--rates":
          config.rates = Arrays.stream(argv.get(++i).split(",")).mapToDouble(Double::parseDouble).toArray();
          break;
        case "--ks":
          config.ks = Arrays.stream(argv.get(++i).split(",")).mapToDouble(Double::parseDouble).toArray();
          break;
        case "--skip-nab":
          nab = false;
          break;
        case "--nab-conformance-only":
          nabDetectors = false;
          break;
        case "--skip-synthetic":
          synthetic = false;
          break;
        case "--nab":
          nabDir = Path.of(argv.get(++i));
          break;
        case "--out":
          out = Path.of(argv.get(++i));
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a);
      }
    }
    StringBuilder report = new StringBuilder();
    if (synthetic) {
      SyntheticStudy.Results r = new SyntheticStudy(config).run();
      SyntheticReport rep = new SyntheticReport(config, r);
      String text = "## Targets\n\n" + rep.targets() + "\n## Null runs (7 clean days after warm-up)\n\n" + rep.nullTable()
          + "\n## Nuisance runs (24 h from the nuisance)\n\n" + rep.nuisanceTable()
          + "\n## Runaway cells (delays in minutes from the onset; leaked spend in minutes of normal spend)\n\n"
          + rep.runawayTable() + String.format(Locale.ROOT, "%nSimulated %,d service-minutes in %.1f s.%n",
              r.simulatedMinutes, r.elapsedMillis / 1000.0);
      System.out.println(text);
      report.append(text);
    }
    if (nab) {
      Path dir = nabDir != null ? nabDir : NabData.locate().orElse(null);
      String text;
      if (dir == null) {
        text = "## NAB\n\nNAB data not found (looked for shared/data/nab above the working directory; set -Dnab.dir).\n";
      } else {
        NabData data = NabData.load(dir);
        NabStudy study = new NabStudy(data);
        int windows = data.series.stream().mapToInt(s -> NabScorer.label(s, data.profile("standard")).scorableWindows())
            .sum();
        text = "## NAB scorer conformance\n\n" + data.series.size() + " files, " + windows + " scorable windows.\n\n"
            + study.conformance();
        if (nabDetectors) {
          text += "\n## NAB: our detector (fixed configuration)\n\n" + study.run(config.settings);
        }
      }
      System.out.println(text);
      report.append("\n").append(text);
    }
    if (out != null) {
      Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
    }
  }
}
