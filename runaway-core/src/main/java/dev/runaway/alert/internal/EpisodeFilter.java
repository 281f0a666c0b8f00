package dev.runaway.alert.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import java.time.Duration;

/**
 * The de-duplication of an {@link AlertDispatcher}: alerts are episodes per (service, key, type),
 * a cost-threshold alert's per budget too (its {@code budget} fact: the daily budget's crossing is
 * news while the hourly one's is being repeated), and one within the refractory period after the last delivered is suppressed unless it escalates,
 * is the episode's first resolution, or follows a resolution (a resolved episode is never kept
 * silent). At most {@link #MAX_EPISODES} episodes are remembered, least recently used forgotten.
 *
 * <p>Its one job is saying whether an alert is news; delivering it is the
 * {@link NotifierLane}s' business.
 *
 * <p>Thread-safe: each decision runs inside the key's atomic compute, so concurrent alerts of one
 * episode are decided one after the other; different episodes do not contend.
 */
final class EpisodeFilter {

  /** How many (service, key, type) episodes are remembered for de-duplication. */
  static final int MAX_EPISODES = 10_000;

  /**
   * (service, key, type), and for cost thresholds the budget: what de-duplication is per. The
   * budgets of one service cross their thresholds independently, and a budget's crossing is
   * alerted once (its thresholds re-arm only well below them): suppressed behind another budget's
   * alert of the same type, it would be lost, not delayed.
   */
  private record EpisodeKey(String service, String key, AlertType type, String budget) {
    static EpisodeKey of(Alert alert) {
      String budget = alert.type() == AlertType.COST_THRESHOLD ? alert.facts().get("budget") : null;
      return new EpisodeKey(alert.service(), alert.key(), alert.type(), budget);
    }
  }

  /** What was last delivered for one (service, key, type). Identity matters: compared with ==. */
  private static final class Episode {
    final long sentAtNanos;
    final Severity severity;
    final boolean resolved;

    Episode(long sentAtNanos, Severity severity, boolean resolved) {
      this.sentAtNanos = sentAtNanos;
      this.severity = severity;
      this.resolved = resolved;
    }
  }

  /**
   * An alert let through, which can be taken back when nobody could be told of it: an alert no
   * queue took must not silence the next one.
   */
  final class Admitted {
    private final EpisodeKey key;
    private final Episode before;
    private final Episode after;

    private Admitted(EpisodeKey key, Episode before, Episode after) {
      this.key = key;
      this.before = before;
      this.after = after;
    }

    /** Restores the episode as it was before this alert, unless another alert moved it since. */
    void revert() {
      if (before == null) {
        episodes.asMap().remove(key, after);
      } else {
        episodes.asMap().replace(key, after, before);
      }
    }
  }

  private final Ticker ticker;
  private final long refractoryNanos;
  private final Cache<EpisodeKey, Episode> episodes;

  EpisodeFilter(Ticker ticker, long refractoryNanos) {
    this.ticker = ticker;
    this.refractoryNanos = refractoryNanos;
    this.episodes = Caffeine.newBuilder()
        .maximumSize(MAX_EPISODES)
        .expireAfterWrite(Duration.ofNanos(Math.max(1, refractoryNanos)))
        .ticker(ticker::nanoTime)
        .executor(Runnable::run)
        .build();
  }

  /**
   * Decides whether {@code alert} is news and, if so, records it as its episode's last delivered.
   *
   * @param alert the alert
   * @return the admission (to revert if no notifier takes it), or {@code null} if suppressed
   */
  Admitted admit(Alert alert) {
    long now = ticker.nanoTime();
    EpisodeKey key = EpisodeKey.of(alert);
    Episode[] before = new Episode[1];
    // ConcurrentHashMap-style compute: the function runs exactly once, atomically for the key.
    Episode after = episodes.asMap().compute(key, (k, old) -> {
      before[0] = old;
      return decide(old, alert, now);
    });
    return after == before[0] ? null : new Admitted(key, before[0], after);
  }

  /** Decides within the key's atomic compute; pure: returns {@code old} to suppress. */
  private Episode decide(Episode old, Alert alert, long now) {
    boolean resolution = isResolution(alert);
    if (old == null || now - old.sentAtNanos >= refractoryNanos) {
      return new Episode(now, alert.severity(), resolution);
    }
    if (resolution) {
      return old.resolved ? old : new Episode(now, old.severity, true);
    }
    if (old.resolved || alert.severity().compareTo(old.severity) > 0) {
      return new Episode(now, alert.severity(), false);
    }
    return old;
  }

  private static boolean isResolution(Alert alert) {
    String r = alert.facts().get("resolved");
    return r != null && r.equalsIgnoreCase("true");
  }
}
