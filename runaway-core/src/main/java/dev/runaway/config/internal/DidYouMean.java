package dev.runaway.config.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Suggests the allowed key nearest to a misspelt one: the same key in another case or
 * spelling style ({@code monitoringInterval}), else the closest by edit distance with adjacent
 * transpositions, within about a third of the key's length.
 *
 * <p>Stateless and thread-safe.
 */
public final class DidYouMean {

  private DidYouMean() {}

  /**
   * Returns the allowed key nearest to {@code key}, if one is near enough to be a likely typo.
   *
   * @param key the unknown key
   * @param allowed the allowed keys, in the order to prefer on ties
   * @return the suggestion
   */
  public static Optional<String> suggest(String key, List<String> allowed) {
    if (key.length() > 100) {
      return Optional.empty(); // not a typo of a short key, and the distance table would be large
    }
    String folded = fold(key);
    for (String a : allowed) {
      if (fold(a).equals(folded)) {
        return Optional.of(a);
      }
    }
    String lower = key.toLowerCase(Locale.ROOT);
    int limit = Math.max(1, Math.min(3, key.length() / 3));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String a : allowed) {
      int d = distance(lower, a.toLowerCase(Locale.ROOT));
      if (d <= limit && d < bestDistance) {
        best = a;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Returns the allowed keys {@code key} most likely means: the nearest ({@link #suggest}), else
   * those that are {@code key} with a word more or a word less, as {@code team_id} and
   * {@code team_slug} are for {@code team}, and {@code team} is for {@code team_id}; at most three,
   * else none.
   *
   * @param key the unknown key
   * @param allowed the allowed keys, in the order to name them
   * @return the suggestions, possibly none
   */
  public static List<String> suggestAll(String key, List<String> allowed) {
    Optional<String> nearest = suggest(key, allowed);
    if (nearest.isPresent()) {
      return List.of(nearest.get());
    }
    String k = words(key);
    List<String> out = new ArrayList<>();
    for (String a : allowed) {
      String w = words(a);
      if (!k.isEmpty() && !w.isEmpty() && (w.startsWith(k + "_") || k.startsWith(w + "_"))) {
        out.add(a);
      }
    }
    return out.size() <= 3 ? List.copyOf(out) : List.of();
  }

  /**
   * Names keys as alternatives: {@code "a"}, {@code "a" or "b"}, {@code "a", "b" or "c"}.
   *
   * @param keys the keys, at least one
   * @param quote the quote around each
   * @return the text
   */
  public static String either(List<String> keys, String quote) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < keys.size(); i++) {
      if (i > 0) {
        sb.append(i == keys.size() - 1 ? " or " : ", ");
      }
      sb.append(quote).append(keys.get(i)).append(quote);
    }
    return sb.toString();
  }

  /** Lower case, words joined by '_', so {@code team-id} and {@code team.id} read as {@code team_id}. */
  private static String words(String s) {
    return s.toLowerCase(Locale.ROOT).replace('-', '_').replace('.', '_').replace(' ', '_');
  }

  /** Lower case without separators, so {@code monitoringInterval} matches {@code monitoring_interval}. */
  private static String fold(String s) {
    return s.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "").replace(".", "").replace(" ", "");
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
  static int distance(String a, String b) {
    int n = a.length();
    int m = b.length();
    int[][] d = new int[n + 1][m + 1];
    for (int i = 0; i <= n; i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= m; j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= n; i++) {
      for (int j = 1; j <= m; j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return d[n][m];
  }
}
