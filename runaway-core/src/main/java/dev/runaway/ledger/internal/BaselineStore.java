package dev.runaway.ledger.internal;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the burn-rate baselines that {@link PersistentLedger} saves beside the spend: the live
 * ones (their owners held weakly, so an evicted key's meter can go) and the restored ones not
 * claimed yet, and encodes both as the state file's {@value #SECTION} section.
 *
 * <p>Its one job is that section's content; when it is read and written is the
 * {@link StateStore}'s business.
 *
 * <p>Thread-safe: both tables are concurrent maps; {@link #encode()} runs on the flusher thread
 * while guarded calls track and claim baselines.
 */
final class BaselineStore {

  /** Most baselines kept in the file; past that, unclaimed restored ones are dropped first. */
  static final int MAX_BASELINES = 10_000;
  static final String SECTION = "baselines";
  // The ledger's logger: what operators (and tests) watch for state-file messages.
  private static final Logger LOG = LoggerFactory.getLogger(PersistentLedger.class);

  private record AccountId(String service, String key) {}

  private static final class Tracked<T> {
    final WeakReference<T> owner;
    final Function<? super T, byte[]> export;

    Tracked(T owner, Function<? super T, byte[]> export) {
      this.owner = new WeakReference<>(owner);
      this.export = export;
    }

    byte[] export() {
      T o = owner.get();
      return o == null ? null : export.apply(o);
    }
  }

  /** Live baselines: the owner (a meter) held weakly, so that an evicted key's meter can go. */
  private final ConcurrentHashMap<AccountId, Tracked<?>> baselines = new ConcurrentHashMap<>();
  /** Restored baselines not claimed yet; written back until claimed, at most MAX_BASELINES in all. */
  private final ConcurrentHashMap<AccountId, byte[]> pendingBaselines = new ConcurrentHashMap<>();

  /** Returns and forgets a restored baseline; see {@link PersistentLedger#restoredBaseline}. */
  Optional<byte[]> claim(String service, String key) {
    return Optional.ofNullable(pendingBaselines.remove(new AccountId(service, key)));
  }

  /** Saves a baseline with every write while its owner lives; see {@link PersistentLedger#trackBaseline}. */
  <T> void track(String service, String key, T owner, Function<? super T, byte[]> export) {
    AccountId id = new AccountId(Objects.requireNonNull(service, "service"), key);
    pendingBaselines.remove(id);
    baselines.put(id, new Tracked<>(Objects.requireNonNull(owner, "owner"), Objects.requireNonNull(export, "export")));
  }

  /** Whether there is anything to write. */
  boolean isEmpty() {
    return baselines.isEmpty() && pendingBaselines.isEmpty();
  }

  /** Forgets what was restored (the file turned out corrupt after all). */
  void clearRestored() {
    pendingBaselines.clear();
  }

  /**
   * Encodes the section: a count, then per baseline the service, whether a key follows, the key,
   * the length and the bytes. Live baselines first, then unclaimed restored ones, at most
   * {@link #MAX_BASELINES}; a baseline whose names do not fit the format is skipped.
   */
  byte[] encode() throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    List<Map.Entry<AccountId, byte[]>> entries = new ArrayList<>();
    for (Iterator<Map.Entry<AccountId, Tracked<?>>> it = baselines.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<AccountId, Tracked<?>> e = it.next();
      byte[] b;
      try {
        b = e.getValue().export();
      } catch (RuntimeException ex) {
        LOG.debug("Exporting the baseline of {} failed: {}", e.getKey(), ex.toString());
        continue;
      }
      if (b == null && e.getValue().owner.get() == null) {
        baselines.remove(e.getKey(), e.getValue());
      } else if (b != null && entries.size() < MAX_BASELINES) {
        entries.add(Map.entry(e.getKey(), b));
      }
    }
    for (Map.Entry<AccountId, byte[]> e : pendingBaselines.entrySet()) {
      if (entries.size() >= MAX_BASELINES) {
        break;
      }
      entries.add(e);
    }
    int written = 0;
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream b = new java.io.DataOutputStream(body);
    for (Map.Entry<AccountId, byte[]> e : entries) {
      java.io.ByteArrayOutputStream one = new java.io.ByteArrayOutputStream();
      java.io.DataOutputStream o = new java.io.DataOutputStream(one);
      try {
        o.writeUTF(e.getKey().service());
        o.writeBoolean(e.getKey().key() != null);
        if (e.getKey().key() != null) {
          o.writeUTF(e.getKey().key());
        }
      } catch (java.io.UTFDataFormatException tooLong) {
        continue;
      }
      o.writeInt(e.getValue().length);
      o.write(e.getValue());
      o.flush();
      b.write(one.toByteArray());
      written++;
    }
    b.flush();
    out.writeInt(written);
    out.write(body.toByteArray());
    out.flush();
    return bytes.toByteArray();
  }

  /** Decodes a saved section into the restored, unclaimed baselines. */
  void decode(byte[] section) throws StateFile.CorruptStateException {
    try {
      java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(section));
      int n = in.readInt();
      if (n < 0 || n > section.length) {
        throw new StateFile.CorruptStateException("the baselines announce an impossible " + n + " entries");
      }
      for (int i = 0; i < n; i++) {
        String service = in.readUTF();
        String key = in.readBoolean() ? in.readUTF() : null;
        int len = in.readInt();
        if (len < 0 || len > section.length) {
          throw new StateFile.CorruptStateException("a baseline of service '" + service + "' has an impossible length "
              + len);
        }
        byte[] b = new byte[len];
        in.readFully(b);
        pendingBaselines.put(new AccountId(service, key), b);
      }
    } catch (IOException e) {
      throw new StateFile.CorruptStateException("its baselines cannot be decoded: " + e);
    }
  }
}
