package dev.runaway.internal;

import dev.runaway.Ticker;
import dev.runaway.ledger.internal.PersistentLedger;
import dev.runaway.stats.BaselineState;
import dev.runaway.stats.BurnRateMeter;
import dev.runaway.stats.DetectionSettings;
import java.util.function.Consumer;

/**
 * Burn-rate meters that resume the baseline saved in a state file, so that a restart does not
 * begin a new warm-up, and save their own with every flush: one routine for the guard's meters
 * and the monitor's account-wide ones.
 */
public final class ResumedMeters {

  private ResumedMeters() {}

  /**
   * Creates a meter from the baseline saved for {@code (service, key)} when there is one that
   * fits, else a fresh one, and tracks it so its baseline is saved with every write of the store.
   *
   * @param store the state file
   * @param service the service
   * @param key the key, or {@code null} for the whole service
   * @param settings the meter's settings
   * @param ticker the ticker
   * @param stripes the meter's counter stripes
   * @param unusable told why a saved baseline cannot be used (a changed bucket, a corrupt
   *     record); the meter then learns afresh
   * @return the meter
   */
  public static BurnRateMeter create(PersistentLedger store, String service, String key, DetectionSettings settings,
      Ticker ticker, int stripes, Consumer<RuntimeException> unusable) {
    BurnRateMeter m = null;
    byte[] saved = store.restoredBaseline(service, key).orElse(null);
    if (saved != null) {
      try {
        m = BurnRateMeter.create(settings, ticker, BaselineState.fromBytes(saved), stripes);
      } catch (RuntimeException e) {
        unusable.accept(e);
      }
    }
    if (m == null) {
      m = BurnRateMeter.create(settings, ticker, stripes);
    }
    store.trackBaseline(service, key, m, ResumedMeters::baselineBytes);
    return m;
  }

  private static byte[] baselineBytes(BurnRateMeter m) {
    BaselineState s = m.exportBaseline();
    return s.learnedBuckets() == 0 ? null : s.toBytes();
  }
}
