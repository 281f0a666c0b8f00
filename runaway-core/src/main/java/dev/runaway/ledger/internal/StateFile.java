package dev.runaway.ledger.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The state file's format and its atomic replacement.
 *
 * <p>Layout (big-endian): magic {@code RGLS}, format version (u16, now 1), reserved (u16, 0),
 * payload length (i32), CRC-32C of the payload (i32), then the payload: a count of named
 * sections, each a name (modified UTF-8), a length and its bytes. Readers skip sections they do
 * not know, so later versions can add some (burn-rate baselines, open circuit breakers) without a
 * format change; a file without them loads as before. The
 * {@code ledger} section holds accounts: service, optional key, and per window its kind, length
 * or zone, and entries of (time, amount) as in {@link WindowState}.
 *
 * <p>Why a small binary file rather than an embedded store: the whole state is a few kilobytes
 * written once a second as one unit, so "write a temp file, fsync, atomic rename" gives
 * all-or-nothing updates with no extra dependency, no background compaction and no files a
 * reader must recover; a checksum catches torn or damaged files. Stateless functions; thread-safe.
 */
final class StateFile {

  static final int MAGIC = 0x52474C53; // "RGLS"
  static final int VERSION = 1;
  static final String LEDGER_SECTION = "ledger";
  /**
   * The largest state file read, and written: 1 GiB (a million keys holding spend, at about 1 KB a
   * key). It was 64 MiB on read only, on the belief that the guard's key cap keeps the state small;
   * but the ledger keeps a key beyond the cap while it holds spend, and 70,000 tenants holding spend
   * in an hourly window wrote a 71 MB file that the next start refused, starting every budget empty
   * (review nu82). A file this large is never written: the flush fails as a write failure does.
   */
  static final int MAX_PAYLOAD = 1 << 30;
  private static final int HEADER = 16;

  /** The saved windows of one account. */
  record AccountState(String service, String key, List<WindowState> windows) {}

  /** A file's content: accounts, and the raw bytes of every section (for sections kept by others). */
  record Content(List<AccountState> accounts, Map<String, byte[]> sections) {}

  /** The file exists but cannot be decoded; the message says why, for the one warning. */
  static final class CorruptStateException extends Exception {
    CorruptStateException(String message) {
      super(message, null, false, false);
    }
  }

  private StateFile() {}

  static byte[] encode(List<AccountState> accounts, Map<String, byte[]> otherSections) throws IOException {
    Map<String, byte[]> sections = new LinkedHashMap<>();
    sections.put(LEDGER_SECTION, encodeLedger(accounts));
    otherSections.forEach((k, v) -> {
      if (!k.equals(LEDGER_SECTION)) {
        sections.put(k, v);
      }
    });
    ByteArrayOutputStream payloadBytes = new ByteArrayOutputStream();
    DataOutputStream p = new DataOutputStream(payloadBytes);
    p.writeInt(sections.size());
    for (Map.Entry<String, byte[]> e : sections.entrySet()) {
      p.writeUTF(e.getKey());
      p.writeInt(e.getValue().length);
      p.write(e.getValue());
    }
    p.flush();
    byte[] payload = payloadBytes.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer out = ByteBuffer.allocate(HEADER + payload.length);
    out.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(payload.length)
        .putInt((int) crc.getValue()).put(payload);
    return out.array();
  }

  private static byte[] encodeLedger(List<AccountState> accounts) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    List<byte[]> encoded = new ArrayList<>(accounts.size());
    for (AccountState a : accounts) {
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      DataOutputStream o = new DataOutputStream(one);
      try {
        o.writeUTF(a.service());
        o.writeBoolean(a.key() != null);
        if (a.key() != null) {
          o.writeUTF(a.key());
        }
      } catch (UTFDataFormatException tooLong) {
        continue; // a name over 64 KiB of UTF-8 is not kept; its spend stays in memory only
      }
      o.writeInt(a.windows().size());
      for (WindowState w : a.windows()) {
        o.writeByte(w.kind());
        o.writeLong(w.windowNanos());
        o.writeUTF(w.zone() == null ? "" : w.zone().getId());
        o.writeInt(w.size());
        for (int i = 0; i < w.size(); i++) {
          o.writeLong(w.time(i));
          o.writeLong(w.amount(i));
        }
      }
      o.flush();
      encoded.add(one.toByteArray());
    }
    out.writeInt(encoded.size());
    for (byte[] e : encoded) {
      out.write(e);
    }
    out.flush();
    return bytes.toByteArray();
  }

  static Content decode(byte[] file) throws CorruptStateException {
    if (file.length < HEADER) {
      throw new CorruptStateException("it is " + file.length + " bytes long, shorter than the 16-byte header");
    }
    ByteBuffer in = ByteBuffer.wrap(file);
    int magic = in.getInt();
    if (magic != MAGIC) {
      throw new CorruptStateException("it does not start with the state file's magic number (found 0x"
          + Integer.toHexString(magic) + ")");
    }
    int version = Short.toUnsignedInt(in.getShort());
    if (version != VERSION) {
      throw new CorruptStateException("its format version is " + version + "; this library reads version " + VERSION
          + " (was it written by a newer release?)");
    }
    in.getShort();
    int length = in.getInt();
    int expectedCrc = in.getInt();
    if (length < 0 || length != file.length - HEADER) {
      throw new CorruptStateException("its header announces " + length + " bytes of data but " + (file.length - HEADER)
          + " follow (truncated or overwritten)");
    }
    CRC32C crc = new CRC32C();
    crc.update(file, HEADER, length);
    if ((int) crc.getValue() != expectedCrc) {
      throw new CorruptStateException("its checksum does not match its content (damaged on disk or partly written)");
    }
    try {
      DataInputStream p = new DataInputStream(new ByteArrayInputStream(file, HEADER, length));
      int count = p.readInt();
      Map<String, byte[]> sections = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = p.readUTF();
        int len = p.readInt();
        if (len < 0 || len > length) {
          throw new CorruptStateException("section '" + name + "' has an impossible length " + len);
        }
        byte[] body = new byte[len];
        p.readFully(body);
        sections.put(name, body);
      }
      byte[] ledger = sections.get(LEDGER_SECTION);
      List<AccountState> accounts = ledger == null ? List.of() : decodeLedger(ledger);
      return new Content(accounts, Collections.unmodifiableMap(sections));
    } catch (EOFException e) {
      throw new CorruptStateException("its data ends in the middle of a record");
    } catch (IOException | DateTimeException | IllegalArgumentException e) {
      throw new CorruptStateException("its data cannot be decoded: " + e);
    }
  }

  private static List<AccountState> decodeLedger(byte[] section) throws IOException, CorruptStateException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(section));
    int accounts = in.readInt();
    if (accounts < 0 || accounts > section.length) {
      throw new CorruptStateException("the ledger announces an impossible " + accounts + " accounts");
    }
    List<AccountState> out = new ArrayList<>(accounts);
    for (int a = 0; a < accounts; a++) {
      String service = in.readUTF();
      String key = in.readBoolean() ? in.readUTF() : null;
      int windows = in.readInt();
      if (windows < 0 || windows > section.length) {
        throw new CorruptStateException("service '" + service + "' announces an impossible " + windows + " windows");
      }
      List<WindowState> ws = new ArrayList<>(windows);
      for (int w = 0; w < windows; w++) {
        byte kind = in.readByte();
        long windowNanos = in.readLong();
        String zone = in.readUTF();
        int entries = in.readInt();
        if (entries < 0 || entries > section.length / 16) {
          throw new CorruptStateException("a window of service '" + service + "' announces an impossible " + entries
              + " entries");
        }
        long[] times = new long[entries];
        long[] amounts = new long[entries];
        for (int i = 0; i < entries; i++) {
          times[i] = in.readLong();
          amounts[i] = in.readLong();
        }
        if (kind == WindowState.SLIDING && windowNanos > 0) {
          ws.add(WindowState.of(kind, windowNanos, null, times, amounts));
        } else if (kind == WindowState.CALENDAR_DAY) {
          ws.add(WindowState.of(kind, 0, ZoneId.of(zone), times, amounts));
        } else {
          throw new CorruptStateException("a window of service '" + service + "' has an unknown kind " + kind);
        }
      }
      out.add(new AccountState(service, key, List.copyOf(ws)));
    }
    return out;
  }

  /**
   * Replaces {@code file} with {@code bytes} all at once: written to a temporary file beside it,
   * forced to disk, atomically renamed over it, and the directory forced so the rename survives a
   * power cut. A crash at any point leaves either the old file or the new one.
   */
  static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(tmp);
      throw new IOException("the file system of " + file.getParent() + " cannot rename files atomically", e);
    }
    forceDirectory(file.toAbsolutePath().getParent());
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not every platform can open a directory; the rename itself is still atomic.
    }
  }
}
