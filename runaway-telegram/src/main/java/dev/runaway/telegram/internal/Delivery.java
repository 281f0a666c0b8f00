package dev.runaway.telegram.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runaway.telegram.TelegramException;
import dev.runaway.telegram.TelegramNotifier.Sleeper;
import dev.runaway.telegram.internal.BotApi.ApiResponse;
import dev.runaway.telegram.internal.BotApi.NetworkFailure;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers Bot API calls with Telegram's rules: pacing per chat, waiting {@code retry_after} on
 * 429 (per chat: a wait longer than the policy allows fails this call and every later call to the
 * chat, without a request, until it has passed), exponential backoff with jitter on 5xx and network errors up to a bound, following
 * {@code migrate_to_chat_id}, and clear permanent failures, never retried, for every other 4xx (400, 401,
 * 403, 404...). A 400 "can't parse entities" on a message or caption is answered by sending the same
 * text once as plain text (no parse mode, tags dropped, entities decoded), with the refusal logged at WARN.
 *
 * <p>Thread-safe; the chat id is shared so that a migration is seen by every later call.
 */
public final class Delivery {

  private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);
  private static final int MAX_MIGRATIONS = 3;

  /**
   * Retry bounds.
   *
   * @param maxAttempts requests per call before giving up, at least 1
   * @param initialBackoff the first backoff after a 5xx or network error
   * @param maxBackoff the largest backoff
   * @param maxRetryAfter the longest {@code retry_after} waited for inside one call; a longer one fails the call
   */
  public record Policy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter) {}

  private final BotApi api;
  private final Pacer pacer;
  private final Sleeper sleeper;
  private final Policy policy;
  private final AtomicReference<String> chat;
  private final String tokenHint;
  private final String chatHint;

  /**
   * Creates a delivery.
   *
   * @param api the Bot API client
   * @param pacer the pacer
   * @param sleeper how to wait
   * @param policy retry bounds
   * @param chatId the chat to send to
   * @param tokenHint where the token came from, for messages ("TELEGRAM_BOT_TOKEN")
   * @param chatHint where the chat id came from, for messages ("TELEGRAM_CHANNEL_ID")
   */
  public Delivery(BotApi api, Pacer pacer, Sleeper sleeper, Policy policy, String chatId, String tokenHint,
      String chatHint) {
    this.api = Objects.requireNonNull(api, "api");
    this.pacer = Objects.requireNonNull(pacer, "pacer");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.chat = new AtomicReference<>(Objects.requireNonNull(chatId, "chatId"));
    this.tokenHint = tokenHint;
    this.chatHint = chatHint;
  }

  /**
   * Returns the chat messages go to, which changes when Telegram migrates a group.
   *
   * @return the chat id
   */
  public String chatId() {
    return chat.get();
  }

  /**
   * Sends one message part.
   *
   * @param html the text in HTML parse mode, within the length limit
   * @param silent whether to send it without sound ({@code disable_notification})
   * @return the sent {@code Message}
   * @throws TelegramException when delivery finally failed
   * @throws InterruptedException if interrupted while waiting
   */
  public JsonNode sendMessage(String html, boolean silent) throws InterruptedException {
    return call("sendMessage", chatId -> messageParams(chatId, html, true, silent), null,
        chatId -> messageParams(chatId, Html.toPlain(html), false, silent));
  }

  private static ObjectNode messageParams(String chatId, String text, boolean html, boolean silent) {
    ObjectNode p = BotApi.JSON.createObjectNode();
    if (chatId.startsWith("@")) {
      p.put("chat_id", chatId);
    } else {
      p.put("chat_id", Long.parseLong(chatId));
    }
    p.put("text", text);
    if (html) {
      p.put("parse_mode", "HTML");
    }
    p.putObject("link_preview_options").put("is_disabled", true);
    p.put("disable_notification", silent);
    return p;
  }

  /**
   * Sends a PNG picture with an optional caption ({@code sendPhoto}, uploaded as multipart).
   *
   * @param png the picture
   * @param captionHtml the caption in HTML parse mode, at most 1024 characters, or {@code null}
   * @param silent whether to send it without sound
   * @return the sent {@code Message}
   * @throws TelegramException when delivery finally failed
   * @throws InterruptedException if interrupted while waiting
   */
  public JsonNode sendPhoto(byte[] png, String captionHtml, boolean silent) throws InterruptedException {
    return call("sendPhoto", chatId -> photoParams(chatId, captionHtml, true, silent), png,
        captionHtml == null ? null : chatId -> photoParams(chatId, Html.toPlain(captionHtml), false, silent));
  }

  private static ObjectNode photoParams(String chatId, String caption, boolean html, boolean silent) {
    ObjectNode p = BotApi.JSON.createObjectNode();
    p.put("chat_id", chatId);
    if (caption != null) {
      p.put("caption", caption);
      if (html) {
        p.put("parse_mode", "HTML");
      }
    }
    p.put("disable_notification", silent);
    return p;
  }

  /**
   * Calls {@code getMe}, which proves the token works.
   *
   * @return the bot's {@code User}
   * @throws TelegramException when the call finally failed
   * @throws InterruptedException if interrupted while waiting
   */
  public JsonNode getMe() throws InterruptedException {
    return call("getMe", null);
  }

  private JsonNode call(String method, Function<String, ObjectNode> paramsForChat) throws InterruptedException {
    return call(method, paramsForChat, null, null);
  }

  /**
   * Makes one call with Telegram's retry rules. {@code plainFallback}, when given, builds the same
   * request without a parse mode: Telegram's 400 "can't parse entities" is permanent for the HTML,
   * but the alert must not be lost, so its text is sent once more as plain text.
   */
  private JsonNode call(String method, Function<String, ObjectNode> paramsForChat, byte[] png,
      Function<String, ObjectNode> plainFallback) throws InterruptedException {
    int attempt = 0;
    int migrations = 0;
    while (true) {
      String chatId = chat.get();
      String where = paramsForChat == null ? method : method + " to chat " + chatId;
      if (paramsForChat != null) {
        Duration ban = pacer.banRemaining(chatId);
        if (ban.compareTo(policy.maxRetryAfter()) > 0) {
          // The chat is under flood control: no request at all until it ends, or Telegram extends the ban.
          throw new TelegramException("Telegram " + where + ": flood control asked to wait; "
              + ban.toSeconds() + "s left; not sending to this chat before then", 429, false, ban, null);
        }
        sleep(pacer.reserve(chatId));
      }
      attempt++;
      ApiResponse r;
      try {
        r = png != null ? api.callMultipart(method, paramsForChat.apply(chatId), "photo", "chart.png", "image/png", png)
            : api.call(method, paramsForChat == null ? null : paramsForChat.apply(chatId));
      } catch (NetworkFailure f) {
        String problem = "network error: " + f.getMessage();
        if (attempt >= policy.maxAttempts()) {
          throw new TelegramException("Telegram " + where + " failed after " + attempt + " attempts; last: " + problem,
              0, false, null, f.getCause());
        }
        backOff(where, problem, attempt);
        continue;
      }
      if (r.ok()) {
        return r.result();
      }
      if (r.migrateToChatId() != null && paramsForChat != null && migrations < MAX_MIGRATIONS) {
        migrations++;
        attempt--;
        if (chat.compareAndSet(chatId, r.migrateToChatId())) {
          LOG.info("Telegram chat {} was upgraded to supergroup {}; sending there from now on (update {})",
              chatId, r.migrateToChatId(), chatHint);
        }
        continue;
      }
      String problem = r.errorCode() + (r.description().isEmpty() ? "" : " " + r.description());
      if (r.errorCode() == 429) {
        if (r.retryAfterSeconds() < 0) {
          if (attempt >= policy.maxAttempts()) {
            throw new TelegramException(exhausted(where, attempt, problem), 429, false, null, null);
          }
          backOff(where, problem, attempt);
          continue;
        }
        Duration wait = Duration.ofSeconds(Math.min(r.retryAfterSeconds(), Duration.ofDays(1).toSeconds()));
        if (paramsForChat != null) {
          pacer.ban(chatId, wait);
        }
        if (attempt >= policy.maxAttempts() || wait.compareTo(policy.maxRetryAfter()) > 0) {
          throw new TelegramException("Telegram " + where + ": flood control asks to wait " + wait.toSeconds()
              + "s (" + problem + "); gave up after " + attempt + " attempts", 429, false, wait, null);
        }
        LOG.debug("Telegram {}: {}; waiting {}s as asked (attempt {}/{})", where, problem, wait.toSeconds(), attempt,
            policy.maxAttempts());
        if (paramsForChat == null) {
          sleep(wait); // a chat's ban is waited by the pacer's reservation at the top of the loop
        }
        continue;
      }
      if (r.errorCode() >= 500 || r.errorCode() == 408) {
        if (attempt >= policy.maxAttempts()) {
          throw new TelegramException(exhausted(where, attempt, problem), r.errorCode(), false, null, null);
        }
        backOff(where, problem, attempt);
        continue;
      }
      if (plainFallback != null && r.errorCode() == 400 && isEntityError(r)) {
        // Permanent for this HTML; retrying it cannot help. The same words without markup can.
        LOG.warn("Telegram {}: the HTML was refused ({}); sending the same text once more as plain text."
            + " This is a bug in Runaway Guard's Telegram formatter, please report it", where, problem);
        paramsForChat = plainFallback;
        plainFallback = null;
        attempt = 0;
        continue;
      }
      throw permanent(where, r, problem);
    }
  }

  private static boolean isEntityError(ApiResponse r) {
    return r.description().toLowerCase(Locale.ROOT).contains("can't parse entities");
  }

  private TelegramException permanent(String where, ApiResponse r, String problem) {
    String d = r.description().toLowerCase(Locale.ROOT);
    String advice;
    if (r.errorCode() == 401 || r.errorCode() == 404) {
      advice = "bot token rejected (" + problem + "): check " + tokenHint;
    } else if (r.errorCode() == 403) {
      advice = "the bot may not post there (" + problem + "): add the bot to the chat (as an admin for a channel)"
          + " or check " + chatHint;
    } else if (d.contains("chat not found")) {
      advice = "chat not found (" + problem + "): check " + chatHint
          + " (a group or channel id looks like -1001234567890, a public channel like @name)";
    } else if (d.contains("can't parse entities") || d.contains("message is too long")) {
      advice = "message refused (" + problem + "); this is a bug in Runaway Guard's Telegram formatter,"
          + " please report it";
    } else {
      advice = "refused (" + problem + ")";
    }
    return new TelegramException("Telegram " + where + ": " + advice, r.errorCode(), true, null, null);
  }

  private static String exhausted(String where, int attempts, String problem) {
    return "Telegram " + where + " failed after " + attempts + " attempts; last: " + problem;
  }

  private void backOff(String where, String problem, int attempt) throws InterruptedException {
    Duration wait = backoff(attempt);
    LOG.debug("Telegram {}: {}; retrying in {} ms (attempt {}/{})", where, problem, wait.toMillis(), attempt,
        policy.maxAttempts());
    sleep(wait);
  }

  /** Exponential backoff with equal jitter: half the step, plus up to another half at random. */
  Duration backoff(int attempt) {
    long initial = policy.initialBackoff().toNanos();
    long cap = policy.maxBackoff().toNanos();
    long step = initial;
    for (int i = 1; i < attempt && step < cap; i++) {
      step = step > Long.MAX_VALUE / 2 ? cap : step * 2;
    }
    step = Math.min(step, cap);
    long half = step / 2;
    return Duration.ofNanos(half + (half > 0 ? ThreadLocalRandom.current().nextLong(half + 1) : 0));
  }

  private void sleep(Duration d) throws InterruptedException {
    if (!d.isZero() && !d.isNegative()) {
      sleeper.sleep(d);
    }
  }
}
