package dev.runaway.telegram;

/**
 * The outcome of {@link TelegramNotifier#check()}: the bot the token belongs to, and whether
 * the test message reached the chat. Immutable and thread-safe; never holds the token.
 *
 * @param botUsername the bot's username without {@code @}, as {@code getMe} reported it
 * @param chatId the chat the test message was sent to (after any migration to a supergroup)
 * @param chatTitle the chat's title as Telegram reported it, or {@code null} (private chats have none,
 *     and none is known when the chat refused the message)
 * @param chatOk whether Telegram accepted the test message
 * @param problem why the chat refused it and what to check, or {@code null} when {@code chatOk}
 */
public record TelegramCheckResult(String botUsername, String chatId, String chatTitle, boolean chatOk,
    String problem) {

  /**
   * Returns the result of a test message the chat accepted. The factories, not the canonical
   * constructor, are the stable way to build one: a field added later does not break them.
   *
   * @param botUsername the bot's username without {@code @}
   * @param chatId the chat
   * @param chatTitle the chat's title, or {@code null}
   * @return the result
   */
  public static TelegramCheckResult delivered(String botUsername, String chatId, String chatTitle) {
    return new TelegramCheckResult(botUsername, chatId, chatTitle, true, null);
  }

  /**
   * Returns the result of a test message the chat refused.
   *
   * @param botUsername the bot's username without {@code @}
   * @param chatId the chat
   * @param problem why, and what to check
   * @return the result
   */
  public static TelegramCheckResult refused(String botUsername, String chatId, String problem) {
    return new TelegramCheckResult(botUsername, chatId, null, false, problem);
  }
}
