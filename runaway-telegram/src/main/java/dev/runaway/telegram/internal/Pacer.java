package dev.runaway.telegram.internal;

import dev.runaway.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * Client-side pacing within the Bot FAQ's limits: at most one message per second in a chat, at
 * most {@code groupPerMinute} per minute in a group or channel, and at most {@code globalPerSecond}
 * per second overall. Times come from the injected {@link Ticker}.
 *
 * <p>A chat's {@code retry_after} ({@link #ban}) holds every later message to that chat until it
 * has passed.
 *
 * <p>{@link #reserve} books the earliest slot that respects every limit and returns how long the
 * caller must wait for it; the caller waits outside the lock, so reservations are handed out in
 * call order.
 *
 * <p>Thread-safe.
 */
public final class Pacer {

  private static final long MINUTE = Duration.ofMinutes(1).toNanos();
  private static final long SECOND = Duration.ofSeconds(1).toNanos();
  private static final int MAX_TRACKED_CHATS = 256;

  private final Ticker ticker;
  private final long perChatGapNanos;
  private final int groupPerMinute;
  private final int globalPerSecond;
  private final Map<String, Deque<Long>> chats = new HashMap<>();
  private final Deque<Long> global = new ArrayDeque<>();
  /** Per chat, the ticker time before which Telegram's flood control forbids sending there. */
  private final Map<String, Long> bannedUntil = new HashMap<>();

  /**
   * Creates a pacer.
   *
   * @param ticker the time source
   * @param perChatGap the least time between two messages to one chat
   * @param groupPerMinute how many messages a group or channel may get per minute
   * @param globalPerSecond how many messages the bot may send per second overall
   */
  public Pacer(Ticker ticker, Duration perChatGap, int groupPerMinute, int globalPerSecond) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.perChatGapNanos = perChatGap.toNanos();
    this.groupPerMinute = groupPerMinute;
    this.globalPerSecond = globalPerSecond;
  }

  /**
   * Returns a pacer with the Bot FAQ's limits: 1 per second per chat, 20 per minute per group, 30 per second.
   *
   * @param ticker the time source
   * @return the pacer
   */
  public static Pacer telegramDefaults(Ticker ticker) {
    return new Pacer(ticker, Duration.ofSeconds(1), 20, 30);
  }

  /**
   * Books the next slot for a message to {@code chatId}.
   *
   * @param chatId the chat
   * @return how long to wait before sending, zero if it may go now
   */
  public synchronized Duration reserve(String chatId) {
    long now = ticker.nanoTime();
    long slot = now;
    Long ban = bannedUntil.get(chatId);
    if (ban != null) {
      if (ban - now > 0) {
        slot = ban;
      } else {
        bannedUntil.remove(chatId);
      }
    }
    Deque<Long> recent = chats.computeIfAbsent(chatId, k -> new ArrayDeque<>());
    if (!recent.isEmpty()) {
      slot = Math.max(slot, recent.peekLast() + perChatGapNanos);
    }
    if (isGroup(chatId) && recent.size() >= groupPerMinute) {
      slot = Math.max(slot, recent.peekFirst() + MINUTE);
    }
    if (global.size() >= globalPerSecond) {
      slot = Math.max(slot, global.peekFirst() + SECOND);
    }
    recent.addLast(slot);
    while (recent.size() > groupPerMinute) {
      recent.removeFirst();
    }
    global.addLast(slot);
    while (global.size() > globalPerSecond) {
      global.removeFirst();
    }
    if (chats.size() > MAX_TRACKED_CHATS) {
      forgetIdleChats(now);
    }
    return Duration.ofNanos(slot - now);
  }

  /**
   * Records Telegram's {@code retry_after} for a chat: no message goes there before it has
   * passed, whichever call or alert asks (flood control applies to the chat, not to one message).
   *
   * @param chatId the chat
   * @param wait how long Telegram asked to wait, from now
   */
  public synchronized void ban(String chatId, Duration wait) {
    long until = ticker.nanoTime() + Math.max(0, Math.min(wait.toNanos(), Duration.ofDays(1).toNanos()));
    bannedUntil.merge(chatId, until, (a, b) -> b - a > 0 ? b : a);
  }

  /**
   * Returns how much of a chat's flood-control wait is left.
   *
   * @param chatId the chat
   * @return the wait left, zero if none
   */
  public synchronized Duration banRemaining(String chatId) {
    Long ban = bannedUntil.get(chatId);
    long left = ban == null ? 0 : ban - ticker.nanoTime();
    return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
  }

  /** Groups, supergroups and channels have negative ids or an {@code @name}; users have positive ids. */
  static boolean isGroup(String chatId) {
    return chatId.startsWith("-") || chatId.startsWith("@");
  }

  private void forgetIdleChats(long now) {
    Iterator<Deque<Long>> it = chats.values().iterator();
    while (it.hasNext()) {
      Deque<Long> d = it.next();
      if (d.isEmpty() || d.peekLast() + MINUTE < now) {
        it.remove();
      }
    }
  }
}
