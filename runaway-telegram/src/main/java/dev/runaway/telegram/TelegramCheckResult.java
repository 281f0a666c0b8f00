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
    String problem) {}
