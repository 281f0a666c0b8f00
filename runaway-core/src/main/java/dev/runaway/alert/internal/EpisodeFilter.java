package dev.runaway.alert.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The de-duplication of an {@link AlertDispatcher}: alerts are episodes per (service, key, type),
 * a cost-threshold alert's per budget too (its {@code budget} fact: the daily budget's crossing is
 * news while the hourly one's is being repeated), and one within the refractory period after the last delivered is suppressed unless it escalates,
 * is the episode's first resolution, or follows a resolution (a resolved episode is never kept
 * silent, unless its key is flapping: see below). At most {@link #MAX_EPISODES} episodes are
 * remembered, least recently used forgotten.
 *
 * <p><b>Flapping.</b> Because a recurrence after a resolution is always news, a key that opens and
 * resolves over and over (a breaker tripped and reset in a loop) would send every change. Once a
 * key has reopened {@code flapReopens} times within {@code flapWindow} (a non-resolution alert
 * after a resolution is a reopen; defaults 3 and 10 minutes), the alert of that reopen is sent
 * marked as flapping and the key's further alerts are collapsed: counted, never sent one by one,
 * except an escalation: an alert more severe than any sent since the key began flapping (a
 * CRITICAL after WARNINGs) is sent at once, marked so, and collapsing goes on.
 * At the end of each window in which something changed, one digest says how often it reopened
 * and its last state; after a whole window without a change it has settled, and its last alert is
 * sent once more, marked as settled, with the count (a window whose only changes were
 * escalations has nothing to sum up but is not quiet: the key flaps on). Nothing is lost: each collapsed alert is in
 * a digest's count, and the last state is always sent. Flapping stopped early (the dispatcher
 * closes) sends the digest of the current window if it collapsed anything, and nothing otherwise:
 * the key has not settled, and its last state was already said. See {@link #windowEnded}.
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
    /** The flapping record of a flapping or escalated alert, else {@code null}. */
    private final Flap flap;
    private final Severity toldBefore;
    private final Severity toldAfter;
    private final Severity severity;

    private Admitted(EpisodeKey key, Episode before, Episode after, Flap flap, Severity toldBefore,
        Severity toldAfter, Severity severity) {
      this.key = key;
      this.before = before;
      this.after = after;
      this.flap = flap;
      this.toldBefore = toldBefore;
      this.toldAfter = toldAfter;
      this.severity = severity;
    }

    /**
     * Restores the episode as it was before this alert, unless another alert moved it since. For
     * an alert of a flapping key, also the highest severity told, so that the next escalation is
     * sent at once, not collapsed as if this one had been heard; and this alert is summed up in
     * the window's digest instead.
     */
    void revert() {
      if (before == null) {
        episodes.asMap().remove(key, after);
      } else {
        episodes.asMap().replace(key, after, before);
      }
      if (flap != null) {
        synchronized (flap) {
          if (!flap.flapping) {
            return;
          }
          if (flap.told == toldAfter) {
            flap.told = toldBefore;
          }
          flap.windowAlerts++;
          flap.worst = flap.worst == null || severity.compareTo(flap.worst) > 0 ? severity : flap.worst;
        }
      }
    }
  }

  /**
   * The flapping record of one key: when it reopened lately and, while it flaps, what the current
   * window collapsed. Guarded by its own monitor (taken inside the key's compute, or by the
   * window's timer task alone).
   */
  private static final class Flap {
    final java.util.ArrayDeque<Long> reopens = new java.util.ArrayDeque<>();
    boolean lastResolved;
    boolean flapping;
    long windowStartNanos;
    int windowReopens;
    int windowAlerts;
    /** Changes in the current window, collapsed or sent as escalations: none means it settled. */
    int windowChanges;
    /** The highest severity sent for the key since it began flapping; above it is an escalation. */
    Severity told;
    int totalReopens;
    Severity worst;
    Alert last;
  }

  /**
   * What became of an alert: news, suppressed, collapsed, the reopen that makes its key flapping,
   * or a flapping key's escalation (sent at once).
   */
  enum Verdict { NEWS, SUPPRESSED, COLLAPSED, FLAPPING, ESCALATED }

  /**
   * The decision on one alert.
   *
   * @param verdict what became of it
   * @param alert the alert to send (the flapping one is marked so), or {@code null}
   * @param admitted the admission to revert when no notifier took it, or {@code null}
   * @param key the key a flapping window is timed for
   * @param untimed for {@link Verdict#FLAPPING}, the alert to send instead when its window cannot be
   *     timed: marked as flapping without saying that changes are summed up, since they will not
   *     be; else {@code null}
   */
  record Decision(Verdict verdict, Alert alert, Admitted admitted, Object key, Alert untimed) {}

  private final Ticker ticker;
  private final long refractoryNanos;
  private final int flapReopens;
  private final long flapWindowNanos;
  private final Cache<EpisodeKey, Episode> episodes;
  private final Cache<EpisodeKey, Flap> flaps;
  /**
   * The records of the keys flapping now, held apart from {@link #flaps}, whose size bound every
   * key's alerts compete for: a flapping key's record must live until its window's timer has said
   * what it collapsed. As many as there are flapping keys (each has a timer pending).
   */
  private final Map<EpisodeKey, Flap> flappingNow = new java.util.concurrent.ConcurrentHashMap<>();

  EpisodeFilter(Ticker ticker, long refractoryNanos) {
    this(ticker, refractoryNanos, 0, 0);
  }

  /**
   * Creates a filter.
   *
   * @param flapReopens reopens within the window that make a key flapping; 0 turns flapping off
   * @param flapWindowNanos the flapping window, positive when flapping is on
   */
  EpisodeFilter(Ticker ticker, long refractoryNanos, int flapReopens, long flapWindowNanos) {
    this.ticker = ticker;
    this.refractoryNanos = refractoryNanos;
    this.flapReopens = flapReopens;
    this.flapWindowNanos = flapWindowNanos;
    this.episodes = Caffeine.newBuilder()
        .maximumSize(MAX_EPISODES)
        .expireAfterWrite(Duration.ofNanos(Math.max(1, refractoryNanos)))
        .ticker(ticker::nanoTime)
        .executor(Runnable::run)
        .build();
    // A flapping key's record lives while its windows run (each timer reads it); a quiet one's
    // reopens older than a window no longer count.
    this.flaps = Caffeine.newBuilder()
        .maximumSize(MAX_EPISODES)
        .expireAfterAccess(Duration.ofNanos(Math.max(1, flapWindowNanos) * 3))
        .ticker(ticker::nanoTime)
        .executor(Runnable::run)
        .build();
  }

  /** Whether flapping keys are collapsed. */
  boolean flappingOn() {
    return flapReopens > 0;
  }

  /** The flapping window. */
  Duration flapWindow() {
    return Duration.ofNanos(flapWindowNanos);
  }

  /**
   * Decides what becomes of {@code alert}: news to send as is; suppressed as a duplicate;
   * collapsed into its flapping key's next digest; or the reopen that makes its key flapping,
   * sent marked so (the caller then times the key's window with {@link #windowEnded}).
   *
   * @param alert the alert
   * @return the decision
   */
  Decision decide(Alert alert) {
    long now = ticker.nanoTime();
    EpisodeKey key = EpisodeKey.of(alert);
    Episode[] before = new Episode[1];
    Verdict[] verdict = {Verdict.NEWS};
    Alert[] send = {alert};
    Alert[] untimed = {null};
    Flap[] flapped = {null};
    Severity[] told = new Severity[2];
    // ConcurrentHashMap-style compute: the function runs exactly once, atomically for the key.
    Episode after = episodes.asMap().compute(key, (k, old) -> {
      before[0] = old;
      if (!flappingOn()) {
        Episode e = decide(old, alert, now);
        verdict[0] = e == old ? Verdict.SUPPRESSED : Verdict.NEWS;
        return e;
      }
      Flap pinned = flappingNow.get(k);
      Flap f = pinned != null ? pinned : flaps.get(k, x -> new Flap());
      synchronized (f) {
        boolean resolution = isResolution(alert);
        if (f.flapping) {
          if (!resolution && f.lastResolved) {
            f.windowReopens++;
            f.totalReopens++;
          }
          f.lastResolved = resolution;
          f.windowChanges++;
          f.worst = f.worst == null || alert.severity().compareTo(f.worst) > 0 ? alert.severity() : f.worst;
          f.last = alert;
          if (!resolution && alert.severity().compareTo(f.told) > 0) {
            // Worse than anything said while it flaps (a CRITICAL after WARNINGs): news now, not
            // in the digest a window later. Bounded: severities only rise until it settles.
            flapped[0] = f;
            told[0] = f.told;
            told[1] = alert.severity();
            f.told = alert.severity();
            verdict[0] = Verdict.ESCALATED;
            send[0] = marked(alert, " (escalated while flapping; other changes are still summed up every "
                + human(flapWindow()) + ")", Map.of("flapping", "true"), false);
          } else {
            f.windowAlerts++;
            verdict[0] = Verdict.COLLAPSED;
          }
          // The episode follows the collapsed state, so that the key is judged right once settled.
          return new Episode(now, alert.severity(), resolution);
        }
        Episode e = decide(old, alert, now);
        if (e == old) {
          verdict[0] = Verdict.SUPPRESSED;
          return old;
        }
        boolean reopen = !resolution && f.lastResolved;
        f.lastResolved = resolution;
        if (reopen) {
          while (!f.reopens.isEmpty() && now - f.reopens.peekFirst() >= flapWindowNanos) {
            f.reopens.pollFirst();
          }
          f.reopens.addLast(now);
          if (f.reopens.size() >= flapReopens) {
            f.flapping = true;
            flappingNow.put(k, f);
            f.windowStartNanos = now;
            f.windowReopens = 0;
            f.windowAlerts = 0;
            f.windowChanges = 0;
            f.told = alert.severity();
            f.totalReopens = f.reopens.size();
            f.worst = null;
            f.last = alert;
            verdict[0] = Verdict.FLAPPING;
            flapped[0] = f;
            told[0] = f.told;
            told[1] = f.told;
            String reopened = "flapping: reopened " + f.reopens.size() + " times in "
                + human(Duration.ofNanos(now - f.reopens.peekFirst()));
            send[0] = marked(alert, " (" + reopened + "; until it settles, changes are summed up every "
                + human(flapWindow()) + ")", Map.of("flapping", "true"), false);
            untimed[0] = marked(alert, " (" + reopened + ")", Map.of("flapping", "true"), false);
            f.reopens.clear();
          }
        }
        return e;
      }
    });
    boolean sent = verdict[0] == Verdict.NEWS || verdict[0] == Verdict.FLAPPING || verdict[0] == Verdict.ESCALATED;
    return new Decision(verdict[0], sent ? send[0] : null,
        sent ? new Admitted(key, before[0], after, flapped[0], told[0], told[1], alert.severity()) : null, key,
        untimed[0]);
  }

  /**
   * Ends a flapping key's window: returns its digest when the window collapsed alerts (the key
   * stays flapping for another window), or, after a window without any, the key's last alert
   * marked as settled (the key is then judged as usual again).
   *
   * @param key the key of a {@link Verdict#FLAPPING} decision
   * @return the alert to send, and whether another window follows
   */
  WindowEnd windowEnded(Object key) {
    return windowEnded(key, false);
  }

  /**
   * Ends a flapping key's window; with {@code stop}, also ends its flapping (at close, or when no
   * timer can be scheduled for another window, so that the key is not collapsed for good): then
   * only a digest of what the window collapsed is returned, never a "settled" message, since the
   * key did not settle.
   */
  WindowEnd windowEnded(Object key, boolean stop) {
    Flap f = flappingNow.get((EpisodeKey) key);
    if (f == null) {
      return new WindowEnd(null, false);
    }
    synchronized (f) {
      if (!f.flapping) {
        return new WindowEnd(null, false);
      }
      long now = ticker.nanoTime();
      Alert last = f.last;
      if (f.windowAlerts > 0) {
        Map<String, String> facts = new LinkedHashMap<>(last.facts());
        facts.remove("resolved");
        facts.put("flapping", "true");
        facts.put("flapping_reopens", Integer.toString(f.windowReopens));
        facts.put("flapping_reopens_total", Integer.toString(f.totalReopens));
        facts.put("flapping_window", human(flapWindow()));
        String title = "Flapping: reopened " + f.windowReopens + (f.windowReopens == 1 ? " time" : " times") + " in "
            + human(Duration.ofNanos(now - f.windowStartNanos)) + ", last state: " + last.title();
        String detail = f.windowAlerts + (f.windowAlerts == 1 ? " alert" : " alerts") + " of " + last.type()
            + " for " + last.service() + (last.key() == null ? "" : " key " + last.key())
            + " were summed up here instead of sent one by one (" + f.totalReopens
            + " reopens since it started flapping). Last: " + last.title()
            + (last.detail().isBlank() ? "" : "\n" + last.detail());
        Alert digest = new Alert(last.type(), f.worst, last.service(), last.key(), title, detail, ticker.instant(),
            facts);
        f.windowStartNanos = now;
        f.windowAlerts = 0;
        f.windowChanges = 0;
        f.windowReopens = 0;
        f.worst = null;
        if (stop) {
          f.flapping = false;
          f.reopens.clear();
          flappingNow.remove(key, f);
        }
        return new WindowEnd(digest, !stop);
      }
      if (f.windowChanges > 0 && !stop) {
        // Only escalations, each sent at once: nothing to sum up, but it has not settled either.
        f.windowStartNanos = now;
        f.windowChanges = 0;
        f.windowReopens = 0;
        f.worst = null;
        return new WindowEnd(null, true);
      }
      f.flapping = false;
      f.reopens.clear();
      flappingNow.remove(key, f);
      if (stop) {
        // Stopped early (close, or no timer): it has not settled, and its last state was already
        // said, by the flapping alert or the last digest. Nothing new is true to say.
        return new WindowEnd(null, false);
      }
      Map<String, String> facts = Map.of("flapping_reopens_total", Integer.toString(f.totalReopens));
      return new WindowEnd(marked(last, " (settled after flapping: " + f.totalReopens + " reopens in all)", facts, true),
          false);
    }
  }

  /**
   * Returns the keys flapping now, for the dispatcher's close: their windows are ended early so
   * that what they collapsed is said before the notifiers close.
   *
   * @return the keys
   */
  java.util.List<Object> flappingKeys() {
    java.util.List<Object> keys = new java.util.ArrayList<>();
    flappingNow.forEach((k, f) -> {
      synchronized (f) {
        if (f.flapping) {
          keys.add(k);
        }
      }
    });
    return keys;
  }

  /**
   * The end of a flapping window.
   *
   * @param alert what to send, or {@code null}
   * @param again whether the key flaps on and another window is to be timed
   */
  record WindowEnd(Alert alert, boolean again) {}

  private Alert marked(Alert a, String suffix, Map<String, String> extra, boolean now) {
    Map<String, String> facts = new LinkedHashMap<>(a.facts());
    facts.putAll(extra);
    return new Alert(a.type(), a.severity(), a.service(), a.key(), a.title() + suffix, a.detail(),
        now ? ticker.instant() : a.time(), facts);
  }

  /** A duration as people say it: "8s", "10 min", "1 h 30 min". */
  static String human(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return Math.max(s, d.isZero() ? 0 : 1) + "s";
    }
    long m = d.toMinutes();
    if (m < 60) {
      return m + " min";
    }
    return d.toHours() + " h" + (m % 60 == 0 ? "" : " " + m % 60 + " min");
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
